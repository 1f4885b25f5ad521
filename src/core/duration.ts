import { ValidationError } from './errors.js';

/** A duration: milliseconds as a number, or a string such as `'250ms'`, `'30s'`, `'1m'`, `'1h'`. */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * Parses a duration into milliseconds. Throws a ValidationError naming the value for anything else.
 * @example parseDuration('30s') // 30000
 */
export function parseDuration(value: Duration, path = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new ValidationError([{ path, message: `invalid duration ${String(value)}: expected a finite number of milliseconds >= 0` }]);
  }
  if (typeof value === 'string') {
    const m = PATTERN.exec(value.trim());
    if (m) return Number(m[1]) * UNITS[m[2]!]!;
  }
  throw new ValidationError([
    { path, message: `invalid duration ${JSON.stringify(value)}: use milliseconds as a number or a string like '250ms', '30s', '1m', '1h'` },
  ]);
}
