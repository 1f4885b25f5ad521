import { IncomingMessage } from 'node:http';

/**
 * Where `req.delivery` and `req.variant` live. Express gives every request its own hidden class (it swaps the
 * request's prototype per app), so each new own property on `req` makes V8 build a fresh map: ~2.7 µs per property
 * per request on the benchmark machine, and garbage. Instead, the first time a request passes, `delivery` and
 * `variant` become accessors on Express's shared request prototype (the one every `app.request` inherits from, which
 * Express lets applications extend) that keep the values in a WeakMap keyed by the request. Reading and assigning
 * `req.delivery` / `req.variant` work as before, for any app and sub-app of the process; a request that did not go
 * through the middleware reads `undefined`. A request without Express's prototype (a bare `IncomingMessage`) gets
 * plain own properties.
 */
const values = new WeakMap<object, { delivery?: unknown; variant?: unknown }>();
const installed = new WeakSet<object>();

function slot(name: 'delivery' | 'variant'): PropertyDescriptor {
  return {
    configurable: true,
    enumerable: false,
    get(this: object) {
      return values.get(this)?.[name];
    },
    set(this: object, v: unknown) {
      const held = values.get(this);
      if (held) held[name] = v;
      else values.set(this, { [name]: v });
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

/** Makes `req.delivery` / `req.variant` accessors on Express's request prototype (once per prototype). */
export function prepareRequest(req: object): void {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto === lastProto) return;
  lastProto = proto;
  const base = expressBase(req);
  if (!base || installed.has(base)) return;
  installed.add(base);
  for (const name of ['delivery', 'variant'] as const) {
    if (Object.getOwnPropertyDescriptor(base, name) === undefined) Object.defineProperty(base, name, slot(name));
  }
}
