import type { IncomingMessage } from 'node:http';
import { ApiError } from './problem';

/**
 * A request body as the push path needs it, from either transport: a web `Request` (Next.js
 * route handlers, tests) or Node's own `IncomingMessage` (the ingest listener in front of
 * Next, lib/runtime/server.ts). `read` stops as soon as the body passes `maxBytes`.
 */
export interface IncomingBody {
  contentType: string | null;
  contentLength: string | null;
  /** The whole body, or `null` once it grew past `maxBytes` (the rest is left unread). */
  read(maxBytes: number): Promise<Buffer | null> | null;
}

export function webBody(req: Request): IncomingBody {
  return {
    contentType: req.headers.get('content-type'),
    contentLength: req.headers.get('content-length'),
    read: (maxBytes) => (req.body ? readWebStream(req.body, maxBytes) : null),
  };
}

export function nodeBody(req: IncomingMessage): IncomingBody {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : null;
  };
  return {
    contentType: header('content-type'),
    contentLength: header('content-length'),
    read: (maxBytes) => readNodeStream(req, maxBytes),
  };
}

async function readWebStream(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
}

/**
 * Event-based rather than `for await`: leaving an async iterator destroys the socket, and the
 * client would never see its 413.
 */
function readNodeStream(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Reads a JSON request body, refusing a wrong media type (415) and anything over `maxBytes`
 * (413) before it is all in memory: the Content-Length is checked first, and a chunked body
 * is counted as it streams.
 */
export async function readJsonBody(source: IncomingBody, maxBytes: number): Promise<unknown> {
  const type = (source.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new ApiError(415, `Content-Type must be application/json (got ${type ? JSON.stringify(type) : 'none'}).`, { code: 'unsupported-media-type' });
  }
  const tooLarge = () =>
    new ApiError(413, `The request body is larger than ${maxBytes} bytes; send fewer samples per request.`, { code: 'body-too-large' });
  const declared = Number(source.contentLength ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const reading = source.read(maxBytes);
  if (!reading) throw new ApiError(400, 'The request has no body; send a JSON object.', { code: 'invalid-json' });
  const bytes = await reading;
  if (!bytes) throw tooLarge();
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `The body is not valid JSON: ${(err as Error).message}`, { code: 'invalid-json' });
  }
}
