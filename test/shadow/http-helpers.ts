import http, { type IncomingHttpHeaders, type RequestListener } from 'node:http';
import { listen as listenOn } from '../helpers/listen.js';

/** Starts a server for `handler` on 127.0.0.1 on a free port. */
export const listen = (handler: RequestListener): Promise<{ url: string; close: () => Promise<void> }> => listenOn(http.createServer(handler));

export interface Received { method: string; url: string; headers: IncomingHttpHeaders; body: string }

/** A shadow target whose behaviour a test sets; it records what it received. */
export async function target() {
  const received: Received[] = [];
  let mode: 'same' | 'different' | 'error' | 'hang' = 'same';
  const hanging: http.ServerResponse[] = [];
  const srv = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (mode === 'hang') return void hanging.push(res);
      if (mode === 'error') {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json; charset=utf-8');
        return void res.end('{"error":"boom"}');
      }
      const url = new URL(req.url ?? '/', 'http://x');
      const payload = respond(req.method ?? 'GET', url, body);
      if (mode === 'different' && typeof payload.body === 'object' && payload.body && 'items' in payload.body) (payload.body as { items: unknown[] }).items.push('extra');
      res.statusCode = payload.status;
      res.setHeader('content-type', payload.type);
      res.end(typeof payload.body === 'string' ? payload.body : JSON.stringify(payload.body));
    });
  });
  return {
    ...srv,
    received,
    setMode: (m: typeof mode) => { mode = m; },
    releaseHanging: () => { for (const r of hanging.splice(0)) r.end('late'); },
  };
}

/** The application logic both the primary app and the shadow target implement. */
export function respond(method: string, url: URL, body: string): { status: number; type: string; body: unknown } {
  if (url.pathname === '/items') return { status: 200, type: 'application/json; charset=utf-8', body: { q: url.searchParams.get('q'), items: [1, 2, 3] } };
  if (url.pathname === '/echo' && method === 'POST') return { status: 201, type: 'application/json; charset=utf-8', body: { got: JSON.parse(body || 'null') } };
  if (url.pathname === '/text') return { status: 200, type: 'text/plain; charset=utf-8', body: 'hello, world' };
  return { status: 404, type: 'text/plain; charset=utf-8', body: 'not found' };
}

/** A raw HTTP exchange: status, headers (without Date) and the exact body bytes. */
export async function fetchRaw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = { ...res.headers };
        delete headers.date;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}

/** Resolves with the next event of `on(event)`. */
export function next<T>(on: (event: 'result' | 'mismatch', l: (r: T) => void) => unknown, event: 'result' | 'mismatch' = 'result'): Promise<T> {
  return new Promise((resolve) => {
    let done = false;
    on(event, (r) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    });
  });
}

/** Polls a condition on the event loop (real I/O in flight), for at most 5 s. */
export { until } from '../helpers/wait.js';

/** The raw bytes of one HTTP/1.1 exchange (Connection: close), with the Date header blanked. */
export async function rawExchange(baseUrl: string, head: string, body = ''): Promise<Buffer> {
  const { port } = new URL(baseUrl);
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.from(Buffer.concat(chunks).toString('latin1').replace(/^Date: .*$/m, 'Date: -'), 'latin1')));
    socket.on('error', reject);
    const length = body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : '';
    socket.write(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${length}\r\n${body}`);
  });
}
