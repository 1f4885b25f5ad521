import { IncomingMessage } from 'node:http';
import type { RequestDelivery } from '../shared/request-context.js';

/**
 * Where `req.delivery` and `req.variant` live. Express gives every request its own hidden class (it swaps the
 * request's prototype per app), so each new own property on `req` makes V8 build a fresh map (~2.7 µs per property
 * per request on the benchmark machine, and garbage), and every property read on `req` misses its inline cache.
 * So the middlewares keep both values in a small per-request object held in a WeakMap, and the first Express
 * request makes `delivery` and `variant` accessors over it on Express's shared request prototype (express.request,
 * which every `app.request` inherits from and which Express lets applications extend). Reading and assigning
 * `req.delivery` / `req.variant` work as before, in every app and sub-app of the process; a request that did not go
 * through the middleware reads `undefined`. A request without Express's prototype (a bare `IncomingMessage`) keeps
 * plain own properties.
 */
/** What the middlewares keep per request. */
export interface RequestSlots {
  delivery: RequestDelivery | undefined;
  variant: string | undefined;
}

const values = new WeakMap<object, RequestSlots>();
const installed = new WeakSet<object>();

function held(req: object): RequestSlots {
  let s = values.get(req);
  if (!s) {
    s = { delivery: undefined, variant: undefined };
    values.set(req, s);
  }
  return s;
}

function slot(name: keyof RequestSlots): PropertyDescriptor {
  return {
    configurable: true,
    enumerable: false,
    get(this: object) {
      return values.get(this)?.[name];
    },
    set(this: object, v: unknown) {
      (held(this) as unknown as Record<string, unknown>)[name] = v;
    },
  };
}

/** express.request: the prototype just above IncomingMessage.prototype in the request's chain, if there is one. */
function expressBase(req: object): object | undefined {
  for (let p = Object.getPrototypeOf(req) as object | null; p && p !== IncomingMessage.prototype; ) {
    const up = Object.getPrototypeOf(p) as object | null;
    if (up === IncomingMessage.prototype) return p;
    p = up;
  }
  return undefined;
}

let lastProto: object | null = null;
let lastHasBase = false;

/**
 * The request's slots, where the middlewares read and write `delivery` and `variant` without a property lookup on
 * `req` (which, with Express's per-request hidden classes, misses every inline cache). The first call for a new
 * Express request prototype installs the accessors on express.request; for a request without Express's prototype
 * the slots are the request itself (own properties).
 */
export function requestSlots(req: object): RequestSlots {
  const s = values.get(req);
  if (s) return s;
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto !== lastProto) {
    lastProto = proto;
    const base = expressBase(req);
    lastHasBase = base !== undefined;
    if (base && !installed.has(base)) {
      installed.add(base);
      for (const name of ['delivery', 'variant'] as const) {
        if (Object.getOwnPropertyDescriptor(base, name) === undefined) Object.defineProperty(base, name, slot(name));
      }
    }
  }
  return lastHasBase ? held(req) : (req as RequestSlots);
}
