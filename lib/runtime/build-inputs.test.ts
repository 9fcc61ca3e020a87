import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINGERPRINT_FILE, buildInputsFingerprint, isBuildCurrent } from './build-inputs';

/** `npm start` rebuilds exactly when the sources the build was made from have changed. */
describe('build inputs', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  const built = () => {
    write('.next/BUILD_ID', 'abc');
    write(FINGERPRINT_FILE, `${buildInputsFingerprint(root)}\n`);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'fiber-build-'));
    write('package-lock.json', '{}');
    write('app/page.tsx', 'export default function Page() {}');
    write('lib/nodes/queries.ts', 'export const q = 1;');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is stale without a build, and without the fingerprint of one (built by an older npm start)', () => {
    expect(isBuildCurrent(root)).toBe(false);
    write('.next/BUILD_ID', 'abc');
    expect(isBuildCurrent(root)).toBe(false);
    built();
    expect(isBuildCurrent(root)).toBe(true);
  });

  it('goes stale when a source, a new source or the lockfile changes', () => {
    for (const change of [
      () => write('lib/nodes/queries.ts', 'export const q = 2;'),
      () => write('components/new-chart.tsx', 'export {}'),
      () => write('package-lock.json', '{"lockfileVersion": 3}'),
      () => rmSync(path.join(root, 'app/page.tsx')),
    ]) {
      built();
      change();
      expect(isBuildCurrent(root)).toBe(false);
    }
  });

  it('stays current when only tests, Markdown, benches, data or the build output change', () => {
    built();
    write('lib/nodes/queries.test.ts', 'test');
    write('README.md', '# changed');
    write('bench/queries.ts', '// changed');
    write('e2e/overview.spec.ts', '// changed');
    write('data/pg/PG_VERSION', '17');
    write('.next/server/chunk.js', '// rebuilt');
    write('node_modules/x/index.js', '// installed');
    expect(isBuildCurrent(root)).toBe(true);
  });
});
