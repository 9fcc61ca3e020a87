import { describe, expect, it, vi } from 'vitest';
import { ApiError, problemBody } from './problem';

/** A second instance of this module, as Next's bundle has beside the copy tsx loads under `npm start`. */
async function otherCopy(): Promise<typeof import('./problem')> {
  vi.resetModules();
  const copy = await import('./problem');
  expect(copy.ApiError).not.toBe(ApiError);
  return copy;
}

describe('ApiError', () => {
  it('is recognised whichever copy of the module made it, and answered with its own status', async () => {
    const { ApiError: OtherApiError } = await otherCopy();
    const refused = new OtherApiError(400, 'The cursor is not one this server issued.', { errors: [{ parameter: 'cursor', message: 'invalid cursor' }] });
    expect(refused).toBeInstanceOf(ApiError);
    const answer = problemBody(refused, 'req-1');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 400, detail: 'The cursor is not one this server issued.', errors: [{ parameter: 'cursor' }] });
  });

  it('is not claimed by other errors, even one named ApiError', () => {
    const impostor = Object.assign(new Error('boom'), { name: 'ApiError', status: 400 });
    expect(impostor).not.toBeInstanceOf(ApiError);
    expect(new Error('boom')).not.toBeInstanceOf(ApiError);
    expect(problemBody(impostor, 'req-2').status).toBe(500);
  });
});
