// A small structural diff of two JSON values, for `--dry-run`: which paths change, from what to what.

/** One changed path: `before` absent means added, `after` absent means removed. */
export interface DiffLine {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (base: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`);

/** Paths where `a` and `b` differ; objects are compared field by field, arrays and scalars as whole values. */
export function jsonDiff(a: unknown, b: unknown, path = ''): DiffLine[] {
  if (isObject(a) && isObject(b)) {
    const out: DiffLine[] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const p = join(path, k);
      if (!(k in b)) out.push({ path: p, before: a[k] });
      else if (!(k in a)) out.push({ path: p, after: b[k] });
      else out.push(...jsonDiff(a[k], b[k], p));
    }
    return out;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, before: a, after: b }];
}

/** A value shown on one line, cut at `max` characters. */
export function showValue(v: unknown, max = 60): string {
  const s = v === undefined ? '(none)' : JSON.stringify(v);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
