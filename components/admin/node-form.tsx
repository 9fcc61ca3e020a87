'use client';

import { startTransition, useActionState, useRef, useState, type FormEvent } from 'react';
import { COUNTRIES_BY_NAME, isCountryCode } from '@/lib/nodes/countries';
import { formFieldName, nodeFormInput, validateNodeForm, type FieldErrors, type NodeFormField, type NodeFormInput, type NodeFormState } from '@/lib/nodes/admin-schema';
import { Field } from './field';
import { LocationPicker } from './location-picker';
import { TagInput } from './tag-input';
import './admin.css';

export interface NodeFormProps {
  mode: 'create' | 'edit';
  action: (prev: NodeFormState, form: FormData) => Promise<NodeFormState>;
  initial: NodeFormInput;
  /** The row's updated_at: when it changes (a save, a (re)activation), `initial` becomes the form's values again. */
  version?: string;
  /** Reported by the probe; shown, never edited. */
  probeVersion?: string | null;
  tileUrl?: string;
  tileAttribution?: string;
}

type TextField = Exclude<NodeFormField, 'isActive' | 'tags'>;
/** Field order, for focusing the first invalid one. */
const ORDER: NodeFormField[] = ['nodeName', 'displayName', 'country', 'region', 'city', 'latitude', 'longitude', 'isActive', 'tags', 'cpu', 'ram', 'os', 'hardwareJson'];
const fieldId = (field: string) => `node-${field}`;

/**
 * Create and edit form of a node. The browser validates with the server's own schema on blur and
 * on submit (no round trip for a typo); the action validates again and maps database refusals to
 * the same per-field messages. The submit is dispatched by hand so that React does not reset the
 * fields after an action: a refused form keeps what the admin typed.
 */
export function NodeForm({ mode, action, initial, version = '', probeVersion, tileUrl, tileAttribution }: NodeFormProps) {
  const [state, dispatch, pending] = useActionState(action, { status: 'idle' });
  const [values, setValues] = useState<NodeFormInput>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [tagDraftError, setTagDraftError] = useState<string | undefined>();
  const [seenState, setSeenState] = useState(state);
  const [seenVersion, setSeenVersion] = useState(version);
  const formRef = useRef<HTMLFormElement>(null);

  // A new answer from the server: its errors replace the browser's; a save shows the stored (normalised) values.
  if (state !== seenState) {
    setSeenState(state);
    setErrors(state.status === 'invalid' ? state.errors : {});
    if (state.status === 'saved') setValues(state.input);
  }
  // Without this, a Save after Deactivate would write the stale checkbox back.
  if (version !== seenVersion) {
    setSeenVersion(version);
    setValues(initial);
  }

  const set = <K extends NodeFormField>(field: K, value: NodeFormInput[K]) => setValues((v) => ({ ...v, [field]: value }));

  function validateField(field: NodeFormField) {
    const result = validateNodeForm(nodeFormInput(new FormData(formRef.current!)));
    const message = result.ok ? undefined : result.errors[field];
    // A server verdict (e.g. a taken name) stays until the value it was about changes.
    const serverKept = state.status === 'invalid' && state.input[field] === values[field] ? state.errors[field] : undefined;
    setErrors((e) => ({ ...e, [field]: message ?? serverKept }));
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const result = validateNodeForm(nodeFormInput(form));
    const found: FieldErrors = result.ok ? {} : { ...result.errors };
    if (tagDraftError) found.tags = tagDraftError;
    if (Object.keys(found).length > 0) {
      setErrors(found);
      const first = ORDER.find((f) => found[f]);
      if (first) document.getElementById(fieldId(first))?.focus();
      return;
    }
    setErrors({});
    startTransition(() => dispatch(form));
  }

  const text = (field: TextField, label: string, opts: { required?: boolean; hint?: string; wide?: boolean; inputMode?: 'decimal' } = {}) => (
    <Field id={fieldId(field)} label={label} error={errors[field]} hint={opts.hint} wide={opts.wide}>
      {(control) => (
        <input
          {...control}
          name={formFieldName(field)}
          type="text"
          className="admin-input"
          autoComplete="off"
          inputMode={opts.inputMode}
          aria-required={opts.required || undefined}
          value={values[field]}
          onChange={(e) => set(field, e.target.value)}
          onBlur={() => validateField(field)}
        />
      )}
    </Field>
  );

  const errorCount = Object.values(errors).filter(Boolean).length;
  const saved = !pending && state.status === 'saved' && errorCount === 0;
  const unknownCountry = values.country !== '' && !isCountryCode(values.country);

  return (
    <form ref={formRef} className="admin-form" action={dispatch} onSubmit={onSubmit} noValidate>
      {errors.form ? (
        <p role="alert" className="admin-alert">
          {errors.form}
        </p>
      ) : errorCount > 0 ? (
        <p role="alert" className="admin-alert">
          {errorCount === 1 ? 'One field needs' : `${errorCount} fields need`} attention: see the messages below.
        </p>
      ) : null}

      <fieldset>
        <legend>Identity</legend>
        <div className="admin-grid">
          {text('nodeName', 'Node name', { required: true, hint: 'Unique, e.g. probe-gh-accra-01.' })}
          {text('displayName', 'Display name', { hint: 'Shown on the dashboard instead of the node name.' })}
        </div>
      </fieldset>

      <fieldset>
        <legend>Location</legend>
        <div className="admin-grid">
          <Field id={fieldId('country')} label="Country" error={errors.country}>
            {(control) => (
              <select
                {...control}
                name={formFieldName('country')}
                className="admin-input"
                aria-required
                value={values.country}
                onChange={(e) => set('country', e.target.value)}
                onBlur={() => validateField('country')}
              >
                <option value="">Choose a country…</option>
                {unknownCountry && <option value={values.country}>{values.country} (not an ISO 3166-1 code)</option>}
                {COUNTRIES_BY_NAME.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name} ({c.code})
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('region', 'Region', { required: true, hint: 'As the dashboard filters by it, e.g. Ghana.' })}
          {text('city', 'City')}
          {text('latitude', 'Latitude', { inputMode: 'decimal', hint: 'Decimal degrees, −90 to 90.' })}
          {text('longitude', 'Longitude', { inputMode: 'decimal', hint: 'Decimal degrees, −180 to 180.' })}
          <LocationPicker
            latitude={values.latitude}
            longitude={values.longitude}
            onPick={(latitude, longitude) => {
              setValues((v) => ({ ...v, latitude, longitude }));
              setErrors((e) => ({ ...e, latitude: undefined, longitude: undefined }));
            }}
            tileUrl={tileUrl}
            tileAttribution={tileAttribution}
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>Status and tags</legend>
        <div className="admin-grid">
          <Field id={fieldId('isActive')} label="Active" check hint="Inactive nodes keep their data and keys but leave the network figures.">
            {(control) => (
              <input {...control} type="checkbox" name={formFieldName('isActive')} className="admin-check" checked={values.isActive} onChange={(e) => set('isActive', e.target.checked)} />
            )}
          </Field>
          <p className="admin-readonly">
            Probe version: <strong>{probeVersion ?? 'not reported yet'}</strong> (reported by the probe)
          </p>
          <Field id={fieldId('tags')} label="Tags" error={tagDraftError ?? errors.tags} hint="Press Enter or a comma to add a tag." wide>
            {(control) => <TagInput {...control} name={formFieldName('tags')} tags={values.tags} onChange={(tags) => set('tags', tags)} onDraftError={setTagDraftError} />}
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Hardware</legend>
        <div className="admin-grid">
          {text('cpu', 'CPU', { hint: 'e.g. 2 cores' })}
          {text('ram', 'RAM', { hint: 'e.g. 4GB' })}
          {text('os', 'OS', { hint: 'e.g. Ubuntu 22.04' })}
          <Field id={fieldId('hardwareJson')} label="Other hardware (JSON)" error={errors.hardwareJson} hint='A JSON object, merged with CPU, RAM and OS into hardware_info, e.g. {"disk": "32GB"}.' wide>
            {(control) => (
              <textarea
                {...control}
                name={formFieldName('hardwareJson')}
                className="admin-input"
                spellCheck={false}
                rows={4}
                value={values.hardwareJson}
                onChange={(e) => set('hardwareJson', e.target.value)}
                onBlur={() => validateField('hardwareJson')}
              />
            )}
          </Field>
        </div>
      </fieldset>

      <div className="admin-form-actions">
        <button type="submit" className="admin-button admin-button--primary" disabled={pending}>
          {mode === 'create' ? 'Create node' : 'Save changes'}
        </button>
        <p role="status" className={saved ? 'admin-notice' : 'admin-status-line'}>
          {pending ? (mode === 'create' ? 'Creating…' : 'Saving…') : saved ? 'Changes saved.' : ''}
        </p>
      </div>
    </form>
  );
}
