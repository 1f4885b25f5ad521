import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { WILDCARD, formatPath, parsePath, type Token } from './paths.js';
import type { Comparator, Diff, Outcome } from './types.js';

/** Options of {@link jsonComparator}. */
export interface JsonComparatorOptions {
  /** Paths whose whole subtree is ignored; `*` stands for one key or index: `items[*].id`, `headers.*`. @default [] */
  ignorePaths?: string[];
  /** Numbers (and bigints) closer than this, absolutely, are equal. @default 0 */
  numericTolerance?: number;
  /** Compare arrays as multisets: an element matches an equal one anywhere (out-of-place elements cost more). @default false */
  ignoreArrayOrder?: boolean;
  /** Stop after this many diffs (bounds the work on very different values). @default 1000 */
  maxDiffs?: number;
}

interface Config {
  patterns: Token[][];
  tolerance: number;
  unordered: boolean;
  maxDiffs: number;
}

/**
 * The default comparator: a deep structural diff of the two outcomes' values with JSON semantics (own enumerable keys;
 * keys holding `undefined` or functions count as absent; prototypes ignored), plus Dates, Maps, Sets, typed arrays,
 * ArrayBuffers, boxed primitives, bigint and cycles. Errors compare by name and message; one side erroring is a diff of
 * kind 'error' at the root. Never throws.
 * @example
 * const compare = jsonComparator({ ignorePaths: ['meta.requestId', 'items[*].updatedAt'], numericTolerance: 0.01 });
 * compare({ value: { total: 10 }, durationMs: 3 }, { value: { total: 10.004 }, durationMs: 4 }); // []
 */
export function jsonComparator(opts: JsonComparatorOptions = {}): Comparator<unknown> {
  const cfg = compileOptions(opts);
  return (primary, shadow) => compareOutcomes(primary, shadow, cfg);
}

/**
 * The deep diff of two values (no outcomes, no errors at the root), with {@link jsonComparator}'s options.
 * @example diffValues({ a: [1, 2] }, { a: [1, 3] }) // [{ path: 'a[1]', kind: 'changed', primary: 2, shadow: 3 }]
 */
export function diffValues(primary: unknown, shadow: unknown, opts: JsonComparatorOptions = {}): Diff[] {
  return new Differ(compileOptions(opts)).run(primary, shadow);
}

export function compileOptions(opts: JsonComparatorOptions, subject = 'jsonComparator'): Config {
  const issues: ValidationIssue[] = [];
  const patterns: Token[][] = [];
  if (opts.ignorePaths !== undefined && !Array.isArray(opts.ignorePaths)) {
    issues.push({ path: 'ignorePaths', message: "must be an array of paths such as 'items[*].id'" });
  } else {
    (opts.ignorePaths ?? []).forEach((p, i) => {
      const parsed = typeof p === 'string' ? parsePath(p) : 'must be a string';
      if (typeof parsed === 'string') issues.push({ path: `ignorePaths[${i}]`, message: `${parsed}: write paths like 'items[*].price' or 'headers.*'` });
      else patterns.push(parsed);
    });
  }
  const tolerance = opts.numericTolerance ?? 0;
  if (typeof tolerance !== 'number' || !(tolerance >= 0) || !Number.isFinite(tolerance)) {
    issues.push({ path: 'numericTolerance', message: 'must be a finite number >= 0 (an absolute difference)' });
  }
  const maxDiffs = opts.maxDiffs ?? 1000;
  if (!Number.isInteger(maxDiffs) || maxDiffs < 1) issues.push({ path: 'maxDiffs', message: 'must be an integer >= 1' });
  if (issues.length) throw new ValidationError(issues, { subject });
  return { patterns, tolerance, unordered: opts.ignoreArrayOrder === true, maxDiffs };
}

export function compareOutcomes(a: Outcome<unknown>, b: Outcome<unknown>, cfg: Config): Diff[] {
  const ea = a !== null && typeof a === 'object' && Object.hasOwn(a, 'error');
  const eb = b !== null && typeof b === 'object' && Object.hasOwn(b, 'error');
  if (ea || eb) {
    if (cfg.patterns.some((p) => p.length === 0)) return [];
    const da = ea ? describeError(a.error) : undefined;
    const db = eb ? describeError(b.error) : undefined;
    if (da && db && da.name === db.name && da.message === db.message) return [];
    return [{ path: '', kind: 'error', primary: da ?? a?.value, shadow: db ?? b?.value }];
  }
  return new Differ(cfg).run(a?.value, b?.value);
}

/** `{ name, message }` of anything thrown, never throwing itself. */
export function describeError(err: unknown): { name: string; message: string } {
  try {
    if (err instanceof Error || (err !== null && typeof err === 'object' && 'message' in err)) {
      const e = err as { name?: unknown; message?: unknown };
      return { name: String(e.name ?? 'Error'), message: String(e.message) };
    }
    return { name: typeof err, message: String(err) };
  } catch {
    return { name: 'Unprintable', message: '[value that cannot be converted to a string]' };
  }
}

type Kind = string;
const toStr = Object.prototype.toString;

function kindOf(v: unknown): Kind {
  const t = typeof v;
  if (t !== 'object') return t;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return 'object';
  if (ArrayBuffer.isView(v)) return v instanceof DataView ? 'dataview' : `typed:${toStr.call(v)}`;
  if (v instanceof Error) return 'error';
  switch (toStr.call(v)) {
    case '[object Date]': return 'date';
    case '[object RegExp]': return 'regexp';
    case '[object Map]': return 'map';
    case '[object Set]': return 'set';
    case '[object ArrayBuffer]': return 'arraybuffer';
    case '[object Number]': return 'boxed:number';
    case '[object String]': return 'boxed:string';
    case '[object Boolean]': return 'boxed:boolean';
    case '[object BigInt]': return 'boxed:bigint';
    case '[object Symbol]': return 'boxed:symbol';
    case '[object Error]': return 'error';
    default: return 'object';
  }
}

const absent = (v: unknown): boolean => v === undefined || typeof v === 'function';

/** One diff run: a token stack for the current path, the pairs being compared (cycles), the diffs found. */
class Differ {
  readonly #cfg: Config;
  #diffs: Diff[] = [];
  #limit: number;
  readonly #tokens: Token[] = [];
  readonly #stackA: object[] = [];
  readonly #stackB: object[] = [];

  constructor(cfg: Config) {
    this.#cfg = cfg;
    this.#limit = cfg.maxDiffs;
  }

  run(a: unknown, b: unknown): Diff[] {
    const live = this.#cfg.patterns.length ? this.#cfg.patterns.map((_, i) => i) : null;
    if (live && this.#cfg.patterns.some((p) => p.length === 0)) return [];
    this.#walk(a, b, live);
    return this.#diffs;
  }

  #full(): boolean {
    return this.#diffs.length >= this.#limit;
  }

  #add(kind: Diff['kind'], a: unknown, b: unknown): void {
    if (this.#full()) return;
    const path = formatPath(this.#tokens);
    if (kind === 'added') this.#diffs.push({ path, kind, shadow: b });
    else if (kind === 'removed') this.#diffs.push({ path, kind, primary: a });
    else this.#diffs.push({ path, kind, primary: a, shadow: b });
  }

  /** Descends into `token`; returns the live patterns below it, or false when the child is ignored. */
  #enter(token: Token, live: number[] | null): number[] | null | false {
    this.#tokens.push(token);
    if (!live) return null;
    const depth = this.#tokens.length - 1;
    const next: number[] = [];
    for (const i of live) {
      const p = this.#cfg.patterns[i]!;
      const t = p[depth];
      if (t === WILDCARD || t === token) {
        if (p.length === depth + 1) return false;
        next.push(i);
      }
    }
    return next.length ? next : null;
  }

  #child(token: Token, a: unknown, b: unknown, live: number[] | null, kind?: 'added' | 'removed'): void {
    const below = this.#enter(token, live);
    if (below !== false) {
      if (kind) this.#add(kind, a, b);
      else this.#walk(a, b, below);
    }
    this.#tokens.pop();
  }

  #walk(a: unknown, b: unknown, live: number[] | null): void {
    if (a === b || this.#full()) return;
    const ka = kindOf(a);
    const kb = kindOf(b);
    if (ka !== kb) return this.#add('changed', a, b);
    switch (ka) {
      case 'number':
        if (Number.isNaN(a) && Number.isNaN(b)) return;
        if (this.#cfg.tolerance > 0 && Math.abs((a as number) - (b as number)) <= this.#cfg.tolerance) return;
        return this.#add('changed', a, b);
      case 'bigint':
        if (this.#cfg.tolerance > 0 && Math.abs(Number((a as bigint) - (b as bigint))) <= this.#cfg.tolerance) return;
        return this.#add('changed', a, b);
      case 'function':
        return;
      case 'symbol':
        return String(a) === String(b) ? undefined : this.#add('changed', a, b);
      case 'date': {
        const ta = (a as Date).getTime();
        const tb = (b as Date).getTime();
        return ta === tb || (Number.isNaN(ta) && Number.isNaN(tb)) ? undefined : this.#add('changed', a, b);
      }
      case 'regexp':
        return String(a) === String(b) ? undefined : this.#add('changed', a, b);
      case 'error': {
        const da = describeError(a);
        const db = describeError(b);
        return da.name === db.name && da.message === db.message ? undefined : this.#add('changed', a, b);
      }
      case 'boxed:number':
      case 'boxed:string':
      case 'boxed:boolean':
      case 'boxed:bigint':
      case 'boxed:symbol': {
        const va = (a as { valueOf(): unknown }).valueOf();
        const vb = (b as { valueOf(): unknown }).valueOf();
        if (va === vb || (Number.isNaN(va) && Number.isNaN(vb)) || String(va) === String(vb) && ka === 'boxed:symbol') return;
        return this.#add('changed', a, b);
      }
    }
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return this.#add('changed', a, b);
    // cycles: a pair already being compared further up is equal as far as this branch can tell
    for (let i = this.#stackA.length - 1; i >= 0; i--) if (this.#stackA[i] === a && this.#stackB[i] === b) return;
    this.#stackA.push(a);
    this.#stackB.push(b);
    try {
      if (ka === 'array') this.#arrays(a as unknown[], b as unknown[], live);
      else if (ka === 'object') this.#objects(a as Record<string, unknown>, b as Record<string, unknown>, live);
      else if (ka === 'map') this.#maps(a as Map<unknown, unknown>, b as Map<unknown, unknown>, live);
      else if (ka === 'set') this.#unordered([...(a as Set<unknown>)], [...(b as Set<unknown>)], live);
      else if (ka === 'arraybuffer') this.#indexed(new Uint8Array(a as ArrayBuffer), new Uint8Array(b as ArrayBuffer), live);
      else if (ka === 'dataview') this.#indexed(bytesOf(a as DataView), bytesOf(b as DataView), live);
      else this.#indexed(a as ArrayLike<unknown>, b as ArrayLike<unknown>, live); // typed arrays
    } finally {
      this.#stackA.pop();
      this.#stackB.pop();
    }
  }

  #arrays(a: unknown[], b: unknown[], live: number[] | null): void {
    if (this.#cfg.unordered) this.#unordered(a, b, live);
    else this.#indexed(a, b, live);
  }

  #indexed(a: ArrayLike<unknown>, b: ArrayLike<unknown>, live: number[] | null): void {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n && !this.#full(); i++) {
      const x = a[i];
      const y = b[i];
      if (x !== y) this.#child(i, x, y, live);
    }
    for (let i = n; i < a.length && !this.#full(); i++) this.#child(i, a[i], undefined, live, 'removed');
    for (let i = n; i < b.length && !this.#full(); i++) this.#child(i, undefined, b[i], live, 'added');
  }

  #objects(a: Record<string, unknown>, b: Record<string, unknown>, live: number[] | null): void {
    for (const k of Object.keys(a)) {
      if (this.#full()) return;
      const x = a[k];
      if (absent(x)) continue;
      const y = Object.hasOwn(b, k) ? b[k] : undefined;
      if (absent(y)) this.#child(k, x, undefined, live, 'removed');
      else if (x !== y) this.#child(k, x, y, live);
    }
    for (const k of Object.keys(b)) {
      if (this.#full()) return;
      const y = b[k];
      if (absent(y) || (Object.hasOwn(a, k) && !absent(a[k]))) continue;
      this.#child(k, undefined, y, live, 'added');
    }
  }

  #maps(a: Map<unknown, unknown>, b: Map<unknown, unknown>, live: number[] | null): void {
    const restA: [unknown, unknown][] = [];
    for (const [k, x] of a) {
      if (this.#full()) return;
      if (b.has(k)) this.#child(mapKeyToken(k), x, b.get(k), live);
      else restA.push([k, x]);
    }
    const restB: [unknown, unknown][] = [];
    for (const [k, y] of b) if (!a.has(k)) restB.push([k, y]);
    // keys that are equal objects but not the same object (a deep copy) still pair up
    const used = new Set<number>();
    for (const [k, x] of restA) {
      if (this.#full()) return;
      const j = restB.findIndex(([kb], idx) => !used.has(idx) && typeof k === 'object' && k !== null && this.#equal(k, kb, null));
      if (j >= 0) {
        used.add(j);
        this.#child(mapKeyToken(k), x, restB[j]![1], live);
      } else this.#child(mapKeyToken(k), x, undefined, live, 'removed');
    }
    restB.forEach(([k, y], idx) => {
      if (!used.has(idx)) this.#child(mapKeyToken(k), undefined, y, live, 'added');
    });
  }

  /** Multiset comparison: unmatched primary elements are 'removed' at their index, unmatched shadow ones 'added'. */
  #unordered(a: unknown[], b: unknown[], live: number[] | null): void {
    const matchedB = new Uint8Array(b.length);
    const unmatchedA: number[] = [];
    for (let i = 0; i < a.length; i++) {
      if (i < b.length && !matchedB[i] && this.#equalAt(i, a[i], b[i], live)) matchedB[i] = 1;
      else unmatchedA.push(i);
    }
    // Candidates by signature (equal values always share one) when nothing can make unequal-looking values equal.
    let buckets: Map<string, number[]> | undefined;
    if (live === null && this.#cfg.tolerance === 0 && unmatchedA.length > 8) {
      buckets = new Map();
      for (let j = 0; j < b.length; j++) {
        if (matchedB[j]) continue;
        const sig = signature(b[j]);
        const list = buckets.get(sig);
        if (list) list.push(j);
        else buckets.set(sig, [j]);
      }
    }
    const restA: number[] = [];
    for (const i of unmatchedA) {
      let found = -1;
      const candidates = buckets ? (buckets.get(signature(a[i])) ?? []) : undefined;
      const n = candidates ? candidates.length : b.length;
      for (let c = 0; c < n; c++) {
        const j = candidates ? candidates[c]! : c;
        if (!matchedB[j] && this.#equalAt(i, a[i], b[j], live)) {
          found = j;
          break;
        }
      }
      if (found >= 0) matchedB[found] = 1;
      else restA.push(i);
    }
    for (const i of restA) this.#child(i, a[i], undefined, live, 'removed');
    for (let j = 0; j < b.length; j++) if (!matchedB[j]) this.#child(j, undefined, b[j], live, 'added');
  }

  #equalAt(token: Token, x: unknown, y: unknown, live: number[] | null): boolean {
    if (x === y) return true;
    const below = this.#enter(token, live);
    const eq = below === false || this.#equal(x, y, below);
    this.#tokens.pop();
    return eq;
  }

  /** Whether x and y have no diffs at the current path (a nested run sharing the path and the cycle stack). */
  #equal(x: unknown, y: unknown, live: number[] | null): boolean {
    const saved = this.#diffs;
    const savedLimit = this.#limit;
    this.#diffs = [];
    this.#limit = 1;
    try {
      this.#walk(x, y, live);
      return this.#diffs.length === 0;
    } finally {
      this.#diffs = saved;
      this.#limit = savedLimit;
    }
  }
}

/**
 * A cheap string that deep-equal values (without tolerance or ignored paths) always share: the kind, and for plain
 * objects the present keys with their primitive values. Different values may share one too; it only narrows candidates.
 */
function signature(v: unknown): string {
  const t = typeof v;
  if (t === 'string') return `s${v as string}`;
  if (t === 'number' || t === 'boolean' || t === 'bigint') return `${t[0]}${String(v)}`;
  const kind = kindOf(v);
  if (kind === 'array') return `a${(v as unknown[]).length}`;
  if (kind !== 'object') return kind;
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    if (absent(x)) continue;
    const tx = typeof x;
    parts.push(`${k}=${tx === 'string' || tx === 'number' || tx === 'boolean' || tx === 'bigint' ? `${tx[0]}${String(x)}` : kindOf(x)}`);
  }
  return `o{${parts.join('\u0000')}}`;
}

function bytesOf(v: DataView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Map keys: strings and numbers as object keys and indices; anything else by a description (display only). */
function mapKeyToken(k: unknown): Token {
  if (typeof k === 'string' || typeof k === 'number') return k;
  if (typeof k === 'object' && k !== null) return '<object key>';
  try {
    return `<${String(k)}>`;
  } catch {
    return '<key>';
  }
}
