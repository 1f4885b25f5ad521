// Form and JSON bodies, parsed here (no dependency), capped in size. Values come out as strings, the way a form
// sends them; a JSON body's primitives are converted the same way.
import type { AdminRequest } from './types.js';

export type FormData = Record<string, string>;

/** An HTTP error with the status to answer. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function fromObject(o: unknown): FormData {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new HttpError(400, 'the JSON body must be an object');
  const out: FormData = Object.create(null) as FormData;
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v.join('\n');
    else if (v !== null && v !== undefined) throw new HttpError(400, `field '${k}' must be a string, number, boolean or string array`);
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return text.trim() ? (JSON.parse(text) as unknown) : {};
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function fromUrlEncoded(text: string): FormData {
  const out: FormData = Object.create(null) as FormData;
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

function readLimited(req: AdminRequest, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpError(413, `the body is larger than ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const node = req.node;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      node.off('data', onData);
      node.off('end', onEnd);
      node.off('error', onError);
      if (err) {
        node.resume(); // drain what is left so the response can be written
        reject(err);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) finish(new HttpError(413, `the body is larger than ${limit} bytes`));
      else chunks.push(c);
    };
    const onEnd = (): void => finish();
    const onError = (e: Error): void => finish(new HttpError(400, `reading the body failed: ${e.message}`));
    node.on('data', onData);
    node.on('end', onEnd);
    node.on('error', onError);
    if (node.readableEnded) finish();
  });
}

/** Parses an urlencoded or JSON body (or takes what a host parser left), at most `limit` bytes. */
export async function readForm(req: AdminRequest, limit: number): Promise<FormData> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.node.readableEnded) {
    // a host body parser (express.urlencoded / express.json, koa-bodyparser) consumed the stream already
    const pre = req.parsedBody;
    if (pre !== null && typeof pre === 'object' && !Buffer.isBuffer(pre)) return fromObject(pre);
    if (typeof pre === 'string') return type === 'application/json' ? fromObject(parseJson(pre)) : fromUrlEncoded(pre);
    return Object.create(null) as FormData;
  }
  if (type === 'application/x-www-form-urlencoded') return fromUrlEncoded(await readLimited(req, limit));
  if (type === 'application/json') {
    return fromObject(parseJson(await readLimited(req, limit)));
  }
  if (type === '' && Number(req.headers['content-length'] ?? 0) === 0) return Object.create(null) as FormData;
  throw new HttpError(415, 'send application/x-www-form-urlencoded or application/json');
}
