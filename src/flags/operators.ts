import { compareSemver, parseSemver } from './semver.js';
import type { Operator } from './types.js';

/** Every operator, in documentation order. */
export const OPERATORS: readonly Operator[] = [
  'equals', 'in', 'contains', 'startsWith', 'endsWith', 'matches',
  'lt', 'lte', 'gt', 'gte', 'before', 'after',
  'semverEq', 'semverLt', 'semverGt', 'exists', 'inSegment',
];

const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

export function isOperator(op: unknown): op is Operator {
  return typeof op === 'string' && OPERATOR_SET.has(op);
}

/** What each operator accepts in `values` (checked at `put`). */
export type ValueKind = 'scalar' | 'string' | 'number' | 'date' | 'semver' | 'regex' | 'segment' | 'none';

export const VALUE_KIND: Readonly<Record<Operator, ValueKind>> = {
  equals: 'scalar', in: 'scalar',
  contains: 'string', startsWith: 'string', endsWith: 'string', matches: 'regex',
  lt: 'number', lte: 'number', gt: 'number', gte: 'number',
  before: 'date', after: 'date',
  semverEq: 'semver', semverLt: 'semver', semverGt: 'semver',
  exists: 'none', inSegment: 'segment',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * A date as epoch milliseconds: a finite number is taken as epoch ms; a string must be ISO-8601, either a date
 * (`2025-01-31`, UTC midnight) or a date-time with `Z` or an offset (`2025-01-31T12:00:00+01:00`). Else undefined.
 */
export function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.length > 40 || !ISO_DATE.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

/** A test of one scalar attribute value (an element, for array attributes). */
export type ScalarTest = (x: string | number | boolean) => boolean;

const never: ScalarTest = () => false;

const includes = (x: string, s: string) => x.includes(s);
const startsWith = (x: string, s: string) => x.startsWith(s);
const endsWith = (x: string, s: string) => x.endsWith(s);

/** Whether `test(x, v)` holds for some `v` (a loop: no closure per call on the hot path). */
function anyOf(values: readonly string[], x: string, test: (x: string, v: string) => boolean): boolean {
  for (let i = 0; i < values.length; i++) if (test(x, values[i]!)) return true;
  return false;
}

/**
 * Compiles the scalar test of `op` over `values`; values of the wrong type are ignored here (validation reports
 * them at `put`). `exists`, `matches` (see conditions.ts) and `inSegment` return undefined.
 */
export function scalarTest(op: Operator, values: readonly unknown[]): ScalarTest | undefined {
  switch (op) {
    case 'equals':
    case 'in': {
      const set = new Set(values.filter((v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && !Number.isNaN(v))));
      if (set.size === 0) return never;
      if (set.size === 1) {
        const only = set.values().next().value;
        return (x) => x === only;
      }
      return (x) => set.has(x);
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const strs = values.filter((v): v is string => typeof v === 'string');
      if (!strs.length) return never;
      if (op === 'contains') return (x) => typeof x === 'string' && anyOf(strs, x, includes);
      if (op === 'startsWith') return (x) => typeof x === 'string' && anyOf(strs, x, startsWith);
      return (x) => typeof x === 'string' && anyOf(strs, x, endsWith);
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (!nums.length) return never;
      // "matches at least one value": below the largest / above the smallest
      const hi = Math.max(...nums);
      const lo = Math.min(...nums);
      if (op === 'lt') return (x) => typeof x === 'number' && x < hi;
      if (op === 'lte') return (x) => typeof x === 'number' && x <= hi;
      if (op === 'gt') return (x) => typeof x === 'number' && x > lo;
      return (x) => typeof x === 'number' && x >= lo;
    }
    case 'before':
    case 'after': {
      const times = values.map(toEpochMs).filter((t): t is number => t !== undefined);
      if (!times.length) return never;
      const hi = Math.max(...times);
      const lo = Math.min(...times);
      if (op === 'before') return (x) => typeof x !== 'boolean' && (toEpochMs(x) ?? Infinity) < hi;
      return (x) => typeof x !== 'boolean' && (toEpochMs(x) ?? -Infinity) > lo;
    }
    case 'semverEq':
    case 'semverLt':
    case 'semverGt': {
      const vers = values.flatMap((v) => {
        const p = typeof v === 'string' ? parseSemver(v) : undefined;
        return p ? [p] : [];
      });
      if (!vers.length) return never;
      const cmp = op === 'semverEq' ? (c: number) => c === 0 : op === 'semverLt' ? (c: number) => c < 0 : (c: number) => c > 0;
      return (x) => {
        if (typeof x !== 'string') return false;
        const p = parseSemver(x);
        if (!p) return false;
        for (const v of vers) if (cmp(compareSemver(p, v))) return true;
        return false;
      };
    }
    default:
      return undefined;
  }
}
