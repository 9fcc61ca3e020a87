/**
 * `npm run build` (and `npm start`'s `--if-stale`): `next build`, then the fingerprint of the
 * sources it was built from (build-inputs.ts). With `--if-stale` it builds only when there is no
 * build or the sources changed since (a `git pull`, an edit), so `npm start` takes a second when
 * nothing changed and never serves pages older than the code beside them.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FINGERPRINT_FILE, buildInputsFingerprint, isBuildCurrent } from './build-inputs';

const root = process.cwd();
if (process.argv.includes('--if-stale') && isBuildCurrent(root)) {
  process.exit(0);
}
// Fingerprint before building: a file edited during the build makes the next start build again.
const fingerprint = buildInputsFingerprint(root);
const result = spawnSync(path.join(root, 'node_modules', '.bin', 'next'), ['build'], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(path.join(root, FINGERPRINT_FILE), `${fingerprint}\n`);
