import { z } from 'zod';
import { isCountryCode } from './countries';

/**
 * The node form's one schema, run by the browser (on blur and submit) and again by the server
 * action, so both refuse the same input with the same words. It mirrors the `nodes` DDL
 * (drizzle/migrations/0001_core_schema.ts): VARCHAR lengths counted in characters as PostgreSQL
 * counts them, CHECK ranges, numeric(9,6) rounding. A few rules are stricter than the database
 * where the database would take nonsense: the country must be an assigned ISO code, latitude and
 * longitude come as a pair, tags are bounded and comma-free (the API's tag filter is a
 * comma-separated list). No server-only imports: this module ships to the browser.
 */
export const NODE_LIMITS = {
  nodeName: 255,
  displayName: 255,
  region: 100,
  city: 100,
  tag: 64,
  tags: 32,
  hardwareText: 200,
  hardwareJson: 10_000,
  keyLabel: 100,
} as const;

/** VARCHAR(n) counts characters (code points); String.length counts UTF-16 units, twice for an emoji. */
export const charLength = (s: string): number => Array.from(s).length;

/** NUL and lone surrogates: PostgreSQL refuses the first and cannot encode the second. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (label: string) => `${label} contains a character that cannot be stored (NUL or a broken surrogate pair).`;

function text(label: string, max: number) {
  return z
    .string()
    .trim()
    .refine((v) => !UNSTORABLE.test(v), unstorable(label))
    .refine((v) => charLength(v) <= max, `${label} must be at most ${max} characters.`);
}
const requiredText = (label: string, max: number) => text(label, max).refine((v) => v !== '', `Enter a ${label.toLowerCase()}.`);
const optionalText = (label: string, max: number) => text(label, max).transform((v) => (v === '' ? null : v));

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * A decimal as numeric(9,6) stores it: rounded to 6 places, half away from zero, exactly as
 * PostgreSQL does (on the digits, not through a float), then held to the CHECK's range. So
 * 90.0000004 is accepted (stored 90.000000) and 90.0000005 refused (it would be 90.000001).
 */
function coordinate(label: string, limit: number) {
  return z
    .string()
    .trim()
    .transform((raw, ctx) => {
      if (raw === '') return null;
      const m = DECIMAL.exec(raw);
      if (!m || (m[2] === '' && !m[3])) {
        ctx.addIssue({ code: 'custom', message: `${label} must be a decimal number such as ${limit === 90 ? '5.6037' : '-0.187'}.` });
        return z.NEVER;
      }
      const [, sign, whole = '', frac = ''] = m;
      let micro = BigInt((whole || '0') + frac.padEnd(6, '0').slice(0, 6));
      if ((frac[6] ?? '0') >= '5') micro += 1n;
      if (micro > BigInt(limit) * 1_000_000n) {
        ctx.addIssue({ code: 'custom', message: `${label} must be between -${limit} and ${limit}.` });
        return z.NEVER;
      }
      const value = Number(micro) / 1e6;
      return sign === '-' && value !== 0 ? -value : value;
    });
}

export const tagSchema = z
  .string()
  .trim()
  .min(1, 'A tag cannot be empty.')
  .refine((v) => !v.includes(','), 'A tag cannot contain a comma.')
  .refine((v) => !UNSTORABLE.test(v), unstorable('A tag'))
  .refine((v) => charLength(v) <= NODE_LIMITS.tag, `A tag must be at most ${NODE_LIMITS.tag} characters.`);

const tagsSchema = z
  .array(tagSchema)
  .max(NODE_LIMITS.tags, `At most ${NODE_LIMITS.tags} tags.`)
  .refine((tags) => new Set(tags).size === tags.length, 'Each tag only once.')
  .transform((tags) => (tags.length === 0 ? null : tags));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function hasUnstorableText(value: Json): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => UNSTORABLE.test(k) || hasUnstorableText(v));
  return false;
}

const hardwareJsonSchema = z
  .string()
  .trim()
  .refine((v) => v.length <= NODE_LIMITS.hardwareJson, `At most ${NODE_LIMITS.hardwareJson} characters of JSON.`)
  .transform((raw, ctx): Record<string, Json> | null => {
    if (raw === '') return null;
    let parsed: Json;
    try {
      parsed = JSON.parse(raw) as Json;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `Not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      ctx.addIssue({ code: 'custom', message: 'Enter a JSON object, e.g. {"disk": "32GB"}.' });
      return z.NEVER;
    }
    if (hasUnstorableText(parsed)) {
      ctx.addIssue({ code: 'custom', message: unstorable('The JSON') });
      return z.NEVER;
    }
    return parsed;
  });

export const HARDWARE_FIELDS = ['cpu', 'ram', 'os'] as const;

export const nodeFormSchema = z
  .object({
    nodeName: requiredText('Node name', NODE_LIMITS.nodeName),
    displayName: optionalText('Display name', NODE_LIMITS.displayName),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'Choose a country (an ISO 3166-1 alpha-2 code such as GH).')
      .refine(isCountryCode, 'Choose a country from the list (this code is not assigned by ISO 3166-1).'),
    region: requiredText('Region', NODE_LIMITS.region),
    city: optionalText('City', NODE_LIMITS.city),
    latitude: coordinate('Latitude', 90),
    longitude: coordinate('Longitude', 180),
    isActive: z.boolean(),
    tags: tagsSchema,
    cpu: optionalText('CPU', NODE_LIMITS.hardwareText),
    ram: optionalText('RAM', NODE_LIMITS.hardwareText),
    os: optionalText('OS', NODE_LIMITS.hardwareText),
    hardwareJson: hardwareJsonSchema,
  })
  // zod runs this even when a field above failed (its value is then the raw input): hence the type guards.
  .superRefine((v, ctx) => {
    const coordinate = (c: unknown) => c === null || typeof c === 'number';
    if (coordinate(v.latitude) && coordinate(v.longitude) && (v.latitude === null) !== (v.longitude === null)) {
      const missing = v.latitude === null ? 'latitude' : 'longitude';
      ctx.addIssue({ code: 'custom', path: [missing], message: `Enter the ${missing} too, or clear both: a node is placed by the pair.` });
    }
    for (const key of HARDWARE_FIELDS) {
      if (v[key] !== null && typeof v.hardwareJson === 'object' && v.hardwareJson !== null && key in v.hardwareJson) {
        ctx.addIssue({ code: 'custom', path: ['hardwareJson'], message: `"${key}" is set both here and in the ${key.toUpperCase()} field: keep one.` });
      }
    }
  })
  .transform(({ cpu, ram, os, hardwareJson, ...rest }) => {
    const named = Object.fromEntries(Object.entries({ cpu, ram, os }).filter(([, v]) => v !== null));
    const hardwareInfo: Record<string, unknown> = { ...hardwareJson, ...named };
    return { ...rest, hardwareInfo: Object.keys(hardwareInfo).length > 0 ? hardwareInfo : null };
  });

/** What the form submits, as strings (and the checkbox, and the tag list). */
export type NodeFormInput = z.input<typeof nodeFormSchema>;
/** The columns to write. */
export type NodeValues = z.output<typeof nodeFormSchema>;
export type NodeFormField = keyof NodeFormInput;
/** One message per field, plus `form` for what belongs to no field. */
export type FieldErrors = Partial<Record<string, string>>;

export const EMPTY_NODE_FORM: NodeFormInput = {
  nodeName: '',
  displayName: '',
  country: '',
  region: '',
  city: '',
  latitude: '',
  longitude: '',
  isActive: true,
  tags: [],
  cpu: '',
  ram: '',
  os: '',
  hardwareJson: '',
};

/**
 * The HTML `name` of a field: the spec's snake_case column name (`node_name`). Never the
 * camelCase key: an input named `nodeName` shadows the form element's own `nodeName` property
 * (DOM clobbering), which breaks React's form handling in the browser.
 */
export function formFieldName(field: keyof NodeFormInput): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The form's fields, by input name; anything missing reads as empty (a checkbox absent is unchecked). */
export function nodeFormInput(form: FormData): NodeFormInput {
  const str = (field: keyof NodeFormInput) => {
    const v = form.get(formFieldName(field));
    return typeof v === 'string' ? v : '';
  };
  return {
    nodeName: str('nodeName'),
    displayName: str('displayName'),
    country: str('country'),
    region: str('region'),
    city: str('city'),
    latitude: str('latitude'),
    longitude: str('longitude'),
    isActive: form.get(formFieldName('isActive')) === 'on',
    tags: form.getAll(formFieldName('tags')).filter((t): t is string => typeof t === 'string'),
    cpu: str('cpu'),
    ram: str('ram'),
    os: str('os'),
    hardwareJson: str('hardwareJson'),
  };
}

/** A stored node as the form shows it: cpu/ram/os strings in their fields, the rest of hardware_info as JSON. */
export function nodeFormInputFromNode(node: {
  nodeName: string;
  displayName: string | null;
  country: string;
  region: string;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  isActive: boolean;
  tags: string[] | null;
  hardwareInfo: Record<string, unknown> | null;
}): NodeFormInput {
  const rest: Record<string, unknown> = { ...node.hardwareInfo };
  const named = { cpu: '', ram: '', os: '' };
  for (const key of HARDWARE_FIELDS) {
    const value = rest[key];
    if (typeof value === 'string') {
      named[key] = value;
      delete rest[key];
    }
  }
  return {
    nodeName: node.nodeName,
    displayName: node.displayName ?? '',
    country: node.country,
    region: node.region,
    city: node.city ?? '',
    latitude: node.latitude === null ? '' : String(node.latitude),
    longitude: node.longitude === null ? '' : String(node.longitude),
    isActive: node.isActive,
    tags: node.tags ?? [],
    ...named,
    hardwareJson: Object.keys(rest).length > 0 ? JSON.stringify(rest, null, 2) : '',
  };
}

/** zod issues → the first message per top-level field, as the form shows them beside the field. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    out[field] ??= issue.message;
  }
  return out;
}

export type NodeValidation = { ok: true; values: NodeValues } | { ok: false; errors: FieldErrors };

export function validateNodeForm(input: NodeFormInput): NodeValidation {
  const parsed = nodeFormSchema.safeParse(input);
  return parsed.success ? { ok: true, values: parsed.data } : { ok: false, errors: fieldErrorsOf(parsed.error) };
}

/** The state a node form's server action returns to useActionState. */
export type NodeFormState =
  | { status: 'idle' }
  | { status: 'invalid'; errors: FieldErrors; input: NodeFormInput }
  | { status: 'saved'; input: NodeFormInput; savedAt: string };

export const probeKeyLabelSchema = optionalText('Label', NODE_LIMITS.keyLabel);

export type ProbeKeyCreateState =
  | { status: 'idle' }
  | { status: 'invalid'; errors: FieldErrors; label: string }
  /** `key` is the secret, in this response only: it is never stored or shown again. */
  | { status: 'created'; key: string; prefix: string; label: string | null };

export interface DeleteNodeState {
  errors: FieldErrors;
  confirmation: string;
}

export interface RevokeKeyState {
  errors: FieldErrors;
}
