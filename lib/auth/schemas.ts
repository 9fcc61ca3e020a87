import { z } from 'zod';
import { ROLES } from './roles';

/** One schema per boundary object, shared by the forms, the server actions and the CLI. */

export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 128;

export const emailSchema = z.email({ error: 'Enter a valid email address.' }).max(254).transform((v) => v.toLowerCase());
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD, { error: `At least ${MIN_PASSWORD} characters.` })
  .max(MAX_PASSWORD, { error: `At most ${MAX_PASSWORD} characters.` });
export const roleSchema = z.enum(ROLES, { error: 'Choose admin or viewer.' });

export const newUserSchema = z.object({
  name: z.string().trim().min(1, { error: 'Enter a name.' }).max(100, { error: 'At most 100 characters.' }),
  email: emailSchema,
  role: roleSchema,
  password: passwordSchema,
});
export type NewUser = z.infer<typeof newUserSchema>;

/** zod issues → the first message per field, as forms show them next to the field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    out[field] ??= issue.message;
  }
  return out;
}
