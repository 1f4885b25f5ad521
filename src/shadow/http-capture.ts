// Capturing what passes through a Node HTTP server without changing it: the request body as the handler reads it,
// the response bytes as they are written. Only `import type` from node:http: nothing here loads a framework.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { HttpOutcome } from './http-compare.js';

/** Headers never replayed: hop-by-hop (RFC 9110 section 7.6.1), and those fetch computes itself. */
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'accept-encoding', 'expect', 'http2-settings',
]);

/** The marker the target sees on every mirrored request, so it can suppress side effects. */
export const SHADOW_HEADER = 'x-shadow-request';

/** The request headers to replay: without hop-by-hop ones (also those the Connection header names), plus the marker. */
export function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const named = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || NOT_FORWARDED.has(lower) || named.has(lower) || lower.startsWith(':')) continue;
    out[lower] = Array.isArray(value) ? value.join(lower === 'cookie' ? '; ' : ', ') : String(value);
  }
  out[SHADOW_HEADER] = '1';
  return out;
}

/** Whether the request announces a body. */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

type ChunkEncoding = BufferEncoding | ((err?: Error | null) => void) | undefined;

function toBuffer(chunk: unknown, encoding: ChunkEncoding): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength));
  return undefined;
}

/** Bounded chunk collector: stops keeping bytes past `max` and says so. */
class Chunks {
  readonly #max: number;
  readonly #parts: Buffer[] = [];
  #size = 0;
  tooLarge = false;

  constructor(max: number) {
    this.#max = max;
  }

  add(buf: Buffer | undefined): void {
    if (!buf || this.tooLarge) return;
    this.#size += buf.length;
    if (this.#size > this.#max) {
      this.tooLarge = true;
      this.#parts.length = 0;
      return;
    }
    this.#parts.push(buf);
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/**
 * Observes the request body as the application reads it, by watching the stream's own 'data' and 'end' events
 * (wrapping `emit`, not adding listeners): the stream's flow and the application's reads are untouched.
 */
export class RequestBodyTap {
  readonly #chunks: Chunks;
  ended = false;

  constructor(req: IncomingMessage, max: number) {
    this.#chunks = new Chunks(max);
    const emit = req.emit;
    const chunks = this.#chunks;
    const onEnd = (): void => {
      this.ended = true;
    };
    req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'data') chunks.add(toBuffer(args[0], undefined));
      else if (event === 'end') onEnd();
      return emit.call(this, event, ...args);
    } as typeof req.emit;
  }

  get tooLarge(): boolean {
    return this.#chunks.tooLarge;
  }

  bytes(): Buffer {
    return this.#chunks.bytes();
  }
}

/**
 * Copies the response bytes as they are written, by wrapping `write` and `end` and passing every argument through
 * unchanged (same chunk, encoding and callback, same return value): the client receives exactly the same bytes.
 */
export class ResponseTap {
  readonly #chunks: Chunks;

  constructor(res: ServerResponse, max: number) {
    const chunks = new Chunks(max);
    this.#chunks = chunks;
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, ...args: unknown[]): boolean {
      try {
        chunks.add(toBuffer(args[0], args[1] as ChunkEncoding));
      } catch {
        // capturing must never break the response
      }
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof res.write;
    res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
      try {
        if (typeof args[0] !== 'function') chunks.add(toBuffer(args[0], args[1] as ChunkEncoding));
      } catch {
        // as above
      }
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof res.end;
  }

  get tooLarge(): boolean {
    return this.#chunks.tooLarge;
  }

  bytes(): Buffer {
    return this.#chunks.bytes();
  }
}

/** Lower-cased header map with repeated values joined. */
export function headerRecord(headers: OutgoingHttpHeaders | Headers): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((v, k) => (out[k.toLowerCase()] = v));
    return out;
  }
  for (const [k, v] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Decodes a body for comparison: decompressed when encoded, JSON when the type says so and it parses, else text. */
export function decodeBody(bytes: Buffer, headers: Record<string, string>, encoded: boolean): unknown {
  let buf = bytes;
  if (encoded && buf.length) {
    const enc = (headers['content-encoding'] ?? '').toLowerCase();
    try {
      if (enc === 'gzip' || enc === 'x-gzip') buf = gunzipSync(buf);
      else if (enc === 'deflate') buf = inflateSync(buf);
      else if (enc === 'br') buf = brotliDecompressSync(buf);
    } catch {
      // compare the raw bytes as text
    }
  }
  const text = buf.toString('utf8');
  if (/[/+]json\b/i.test(headers['content-type'] ?? '') && text.length) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The primary's response as the client received it. */
export function primaryOutcome(res: ServerResponse, body: Buffer): HttpOutcome {
  const headers = headerRecord(res.getHeaders());
  return { status: res.statusCode, headers, body: decodeBody(body, headers, true) };
}

/**
 * Rebuilds the request body from what a body parser that ran before the mirror left (`req.body`, Koa's `rawBody`).
 * Returns undefined when it cannot be rebuilt faithfully.
 */
export function bodyFromParsed(raw: unknown, parsed: unknown, contentType: string | undefined): Buffer | undefined {
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  if (raw instanceof Uint8Array) return Buffer.from(raw);
  if (parsed instanceof Uint8Array) return Buffer.from(parsed);
  if (typeof parsed === 'string') return Buffer.from(parsed, 'utf8');
  const type = (contentType ?? '').toLowerCase();
  if (parsed !== null && typeof parsed === 'object') {
    if (/[/+]json\b/.test(type)) return Buffer.from(JSON.stringify(parsed), 'utf8');
    if (type.startsWith('application/x-www-form-urlencoded') && Object.values(parsed).every((v) => typeof v === 'string')) {
      return Buffer.from(new URLSearchParams(parsed as Record<string, string>).toString(), 'utf8');
    }
  }
  return undefined;
}

/** Whether a request method carries a body fetch can send. */
export function sendsBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}
