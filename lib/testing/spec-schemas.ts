import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * JSON schemas of the spec's "API Data Models", copied verbatim into lib/testing/spec/ (the
 * spec lives outside the repository). API tests validate responses against these with a
 * standard validator, never against our own zod schemas; `specJsonBlock` lets a test check
 * that a copy still matches the spec whenever the spec is at hand (../shared beside the repo).
 */
const FIXTURES = path.join(import.meta.dirname, 'spec');
export const SPEC_DOCUMENT = path.resolve(import.meta.dirname, '../../../shared/spec/data-model.md');

export function readSchemaFixture(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Record<string, unknown>;
}

/** The parsed ```json block under `### {heading}` of the spec, or undefined when the spec is not there. */
export function specJsonBlock(heading: string): unknown {
  if (!existsSync(SPEC_DOCUMENT)) return undefined;
  const doc = readFileSync(SPEC_DOCUMENT, 'utf8');
  const at = doc.indexOf(`### ${heading}\n`);
  if (at < 0) throw new Error(`no heading "${heading}" in ${SPEC_DOCUMENT}`);
  const block = /```json\n([\s\S]*?)```/.exec(doc.slice(at));
  if (!block) throw new Error(`no JSON block under "${heading}"`);
  return JSON.parse(block[1]!);
}

export type SchemaCheck = (value: unknown) => ErrorObject[];

/** A draft-07 validator (with the standard formats: uuid, date-time, …) for one schema; returns every error. */
export function schemaValidator(schema: Record<string, unknown>): SchemaCheck {
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? [] : [...(validate.errors ?? [])]);
}
