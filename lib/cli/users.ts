import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { insertAuditEntry } from '../audit/queries';
import { getAuth } from '../auth/auth';
import { fieldErrors, newUserSchema } from '../auth/schemas';
import { createUserAccount } from '../auth/users';
import type { Db } from '../db/client';

/**
 * `npm run fiber -- users create --email E --role admin|viewer [--name N] [--password-stdin]`:
 * the shell way to create an account (the first admin included). The password comes from
 * standard input with --password-stdin (scripts: `printf %s "$PW" | npm run fiber -- …`), or
 * from a prompt that does not echo; never from an argument, which would land in shell history
 * and the process list.
 */
export async function createUserFromCli(db: Db, values: { email?: string; role?: string; name?: string; 'password-stdin'?: boolean }): Promise<string> {
  const password = values['password-stdin'] ? await readStdin() : await promptHidden('Password (at least 12 characters): ');
  const parsed = newUserSchema.safeParse({
    email: values.email ?? '',
    role: values.role ?? '',
    name: values.name ?? (values.email ?? '').split('@')[0] ?? '',
    password,
  });
  if (!parsed.success) {
    const problems = Object.entries(fieldErrors(parsed.error)).map(([field, message]) => `  --${field === 'password' ? 'password-stdin / prompt' : field}: ${message}`);
    throw new Error(`Cannot create the user:\n${problems.join('\n')}`);
  }
  const user = await createUserAccount(await getAuth(), parsed.data);
  await insertAuditEntry(db, {
    actorId: null,
    actorEmail: 'cli',
    action: 'user.create',
    targetType: 'user',
    targetId: user.id,
    after: { email: user.email, role: user.role, via: 'cli' },
    requestId: null,
  });
  return `Created ${user.role} ${user.email}. Sign in at the dashboard with this email and the password you gave.`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('--password-stdin expects the password on standard input (pipe it in), not a terminal.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the shell's (echo), not the password's.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('No terminal to prompt on: pipe the password in with --password-stdin.');
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      process.stdout.write(q);
      muted = true;
      rl.question('', (answer) => {
        muted = false;
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  try {
    const first = await ask(question);
    const again = await ask('Repeat the password: ');
    if (first !== again) throw new Error('The passwords do not match.');
    return first;
  } finally {
    rl.close();
  }
}
