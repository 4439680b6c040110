import fs from 'node:fs';
import { Readable } from 'node:stream';
import { httpStatusFor, toErrorBody } from '../core/errors.js';
import { mimeTypeOf, parseRange } from '../transport/safe-path.js';

/**
 * A web Response for a file that has already passed the path checks: correct MIME type, `Range: bytes=a-b`
 * answered with 206 + Content-Range (416 when unsatisfiable), HEAD without a body, the file streamed.
 */
export function fileResponse(file: string, request: { method: string; headers: Headers }, extraHeaders: Record<string, string> = {}): Response {
  const size = fs.statSync(file).size;
  const headers = new Headers({ 'content-type': mimeTypeOf(file), 'accept-ranges': 'bytes', 'x-content-type-options': 'nosniff', ...extraHeaders });
  const range = parseRange(request.headers.get('range') ?? undefined, size);
  if (range === 'invalid') {
    headers.set('content-range', `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  const head = request.method === 'HEAD';
  if (range) {
    headers.set('content-range', `bytes ${range.start}-${range.end}/${size}`);
    headers.set('content-length', String(range.end - range.start + 1));
    return new Response(head ? null : streamOf(file, range), { status: 206, headers });
  }
  headers.set('content-length', String(size));
  return new Response(head ? null : streamOf(file), { status: 200, headers });
}

function streamOf(file: string, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
  return Readable.toWeb(fs.createReadStream(file, range)) as ReadableStream<Uint8Array>;
}

/** The contract's error shape as a plain-text response with the same status serve mode would use. */
export function errorResponse(err: unknown): Response {
  const body = toErrorBody(err);
  return new Response(`${body.code}: ${body.message}`, {
    status: httpStatusFor(body.code),
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}
