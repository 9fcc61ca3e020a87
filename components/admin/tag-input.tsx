'use client';

import { useRef, useState, type KeyboardEvent } from 'react';
import { NODE_LIMITS, tagSchema } from '@/lib/nodes/admin-schema';
import type { ControlProps } from './field';
import './admin.css';

export interface TagInputProps extends ControlProps {
  /** The name the tags are submitted under, one hidden input each. */
  name: string;
  tags: string[];
  onChange(tags: string[]): void;
  /** A message about the text being typed (invalid or duplicate tag), shown by the field. */
  onDraftError(message: string | undefined): void;
}

/**
 * Tags as chips: type one and press Enter or a comma to add it, × (or Backspace in the empty box)
 * to remove the last. Each tag is checked with the schema's own tag rule before it becomes a chip;
 * the form submits the chips as hidden inputs.
 */
export function TagInput({ id, name, tags, onChange, onDraftError, ...aria }: TagInputProps) {
  const [draft, setDraft] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);

  function add(pieces: string[]): boolean {
    let next = tags;
    for (const piece of pieces) {
      if (piece.trim() === '') continue;
      const parsed = tagSchema.safeParse(piece);
      let problem = parsed.success ? undefined : parsed.error.issues[0]!.message;
      if (parsed.success && next.includes(parsed.data)) problem = `"${parsed.data}" is already a tag.`;
      if (parsed.success && !problem && next.length >= NODE_LIMITS.tags) problem = `At most ${NODE_LIMITS.tags} tags.`;
      if (problem) {
        onChange(next);
        onDraftError(problem);
        return false;
      }
      next = [...next, parsed.data!];
    }
    onChange(next);
    onDraftError(undefined);
    return true;
  }

  function commitDraft(text = draft) {
    if (add([text])) setDraft('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter' || event.key === ',') {
      // Enter would submit the whole form; here it only adds the tag.
      event.preventDefault();
      commitDraft();
    } else if (event.key === 'Backspace' && draft === '' && tags.length > 0) {
      onChange(tags.slice(0, -1));
    }
  }

  /** A comma typed on a phone keyboard (no usable keydown there) or pasted "a, b, c". */
  function onType(value: string) {
    onDraftError(undefined);
    if (!value.includes(',')) return setDraft(value);
    const pieces = value.split(',');
    const rest = pieces.pop() ?? '';
    setDraft(add(pieces) ? rest : value.replaceAll(',', ''));
  }

  function remove(tag: string) {
    onChange(tags.filter((t) => t !== tag));
    onDraftError(undefined);
    inputRef.current?.focus();
  }

  return (
    <div className="tag-box" data-invalid={aria['aria-invalid'] ? 'true' : undefined}>
      {tags.length > 0 && (
        <ul className="tag-list">
          {tags.map((tag) => (
            <li key={tag} className="tag-chip">
              <span>{tag}</span>
              <button type="button" aria-label={`Remove tag ${tag}`} title="Remove" onClick={() => remove(tag)}>
                ×
              </button>
              <input type="hidden" name={name} value={tag} />
            </li>
          ))}
        </ul>
      )}
      <input
        ref={inputRef}
        id={id}
        type="text"
        className="admin-input"
        autoComplete="off"
        enterKeyHint="enter"
        value={draft}
        onChange={(e) => onType(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => {
          // A tag typed but not yet entered is kept, not lost when the admin clicks Save.
          if (draft.trim() !== '') commitDraft();
        }}
        {...aria}
      />
    </div>
  );
}
