import { ApiError } from './problem';

/**
 * Reads a JSON request body, refusing a wrong media type (415) and anything over `maxBytes`
 * (413) before it is all in memory: the Content-Length is checked first, and a chunked body
 * is counted as it streams.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new ApiError(415, `Content-Type must be application/json (got ${type ? JSON.stringify(type) : 'none'}).`, { code: 'unsupported-media-type' });
  }
  const tooLarge = () =>
    new ApiError(413, `The request body is larger than ${maxBytes} bytes; send fewer samples per request.`, { code: 'body-too-large' });
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!req.body) throw new ApiError(400, 'The request has no body; send a JSON object.', { code: 'invalid-json' });

  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, `The body is not valid JSON: ${(err as Error).message}`, { code: 'invalid-json' });
  }
}
