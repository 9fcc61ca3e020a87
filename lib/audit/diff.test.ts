import { describe, expect, it } from 'vitest';
import { auditDiff } from './diff';

describe('auditDiff', () => {
  it('lists only the keys whose value changed, old → new', () => {
    expect(auditDiff({ email: 'a@x', role: 'viewer', status: 'active' }, { email: 'a@x', role: 'admin', status: 'active' })).toEqual([
      { key: 'role', before: '"viewer"', after: '"admin"' },
    ]);
  });

  it('a creation lists every key as new, a removal every key as gone', () => {
    expect(auditDiff(null, { label: 'Grafana', n: 2 })).toEqual([
      { key: 'label', before: undefined, after: '"Grafana"' },
      { key: 'n', before: undefined, after: '2' },
    ]);
    expect(auditDiff({ label: 'x' }, undefined)).toEqual([{ key: 'label', before: '"x"', after: undefined }]);
  });

  it('compares nested values and non-objects as JSON text', () => {
    expect(auditDiff({ tags: ['a'] }, { tags: ['a'] })).toEqual([]);
    expect(auditDiff({ tags: ['a'] }, { tags: ['a', 'b'] })).toEqual([{ key: 'tags', before: '["a"]', after: '["a","b"]' }]);
    expect(auditDiff('x', 'y')).toEqual([{ key: '(value)', before: '"x"', after: '"y"' }]);
    expect(auditDiff([1], { a: 1 })).toEqual([{ key: '(value)', before: '[1]', after: '{"a":1}' }]);
    expect(auditDiff(null, null)).toEqual([]);
  });

  it('keeps markup as text: the page renders the strings, never parses them', () => {
    expect(auditDiff(null, { name: '<img src=x onerror=alert(1)>' })[0]!.after).toBe('"<img src=x onerror=alert(1)>"');
  });
});
