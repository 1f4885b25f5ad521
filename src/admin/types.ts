// The framework-neutral request and response of the admin core. The Express and Koa adapters translate.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** One request as the admin core sees it. */
export interface AdminRequest {
  method: string;
  /** The path below the dashboard's base ('/flags/x'); '/' for the base itself. Percent-decoding is per segment, by the router. */
  path: string;
  /** Where the dashboard is mounted ('/delivery'; '' at the root): every link, form and asset starts with it. */
  base: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The Node request, for reading the body (unless a body parser of the host already did). */
  node: IncomingMessage;
  /** A body a host body parser already parsed (Express `req.body`, Koa `ctx.request.body`). */
  parsedBody?: unknown;
  /** Whether the connection is TLS (or the framework says so): sets the cookie's Secure attribute. */
  secure: boolean;
  /** What `authorize` receives: Express's `req`, Koa's `ctx`. */
  authArg: unknown;
}

/** A server-sent event stream: `start` begins it and returns the function that stops it. */
export interface SseSource {
  start(send: (chunk: string) => boolean, end: () => void): () => void;
}

/** A complete response, or an event stream. */
export type AdminResponse =
  | { status: number; headers: Record<string, string | string[]>; body: string }
  | { status: number; headers: Record<string, string | string[]>; sse: SseSource };
