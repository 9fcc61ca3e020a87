import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What `next build` reads, so `npm start` can tell a current build from a stale one: every file
 * of the project except the folders the build never reads (dependencies, build output, data,
 * tests, benches) and files that do not change what it produces (tests, Markdown). Dependencies
 * count through package-lock.json.
 */
const SKIPPED_DIRS = new Set(['node_modules', '.next', '.git', 'data', 'e2e', 'bench', 'coverage', 'test-results', 'playwright-report', 'blob-report']);
const SKIPPED_FILE = /(\.test\.tsx?|\.md|\.tsbuildinfo|^next-env\.d\.ts|^\.env.*)$/;

/** Where the fingerprint of the inputs of the current build is kept. */
export const FINGERPRINT_FILE = path.join('.next', 'fiber-build-inputs');

function inputFiles(root: string, dir = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...inputFiles(root, relative));
    } else if (entry.isFile() && !SKIPPED_FILE.test(entry.name)) {
      files.push(relative);
    }
  }
  return files;
}

/** SHA-256 over the paths and contents of the build's inputs under `root`. */
export function buildInputsFingerprint(root: string): string {
  const hash = createHash('sha256');
  for (const file of inputFiles(root).sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** True when there is a build and it was made from the sources as they are now. */
export function isBuildCurrent(root: string): boolean {
  const fingerprint = path.join(root, FINGERPRINT_FILE);
  if (!existsSync(path.join(root, '.next', 'BUILD_ID')) || !existsSync(fingerprint)) return false;
  return readFileSync(fingerprint, 'utf8').trim() === buildInputsFingerprint(root);
}
