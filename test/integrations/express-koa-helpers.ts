import { until } from '../helpers/wait.js';

export { listen } from '../helpers/listen.js';

/** The `name=value` of a Set-Cookie header, and its attributes in lower case. */
export function parseSetCookie(header: string): { name: string; value: string; attrs: string[] } {
  const [pair, ...attrs] = header.split(';').map((s) => s.trim());
  const eq = pair!.indexOf('=');
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attrs: attrs.map((a) => a.toLowerCase()) };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Polls `check` (a few ms apart) until it holds; for effects that land just after a response is sent. */
export const eventually = (check: () => boolean, what: string): Promise<void> => until(check, { what, timeoutMs: 1000 });
