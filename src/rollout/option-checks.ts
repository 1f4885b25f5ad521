// The checks every rollout kind's options share (canary, blue-green, rings, guarded flag): an object, a name, handler
// functions, and one ValidationError listing every problem at the end, so nothing is created from bad options.
import { ValidationError, type ValidationIssue } from '../core/errors.js';

/** Rollout names: the store key, the metrics target and the Prometheus label. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws at once when the options are not an object (`what`: how the message names them, e.g. 'ring'). */
export function requireObject(opts: unknown, what: string, kind: string): void {
  if (!isObj(opts)) throw new ValidationError([{ path: '', message: `${what} options must be an object` }], { subject: kind });
}

export function checkName(name: unknown, issues: ValidationIssue[], path = 'name'): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    issues.push({ path, message: 'must match /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/ (letters, digits, . _ -)' });
  }
}

export function checkHandler(v: unknown, path: string, issues: ValidationIssue[]): void {
  if (typeof v !== 'function') issues.push({ path, message: 'must be a function (req) => response' });
}

/**
 * `value` when there is no issue; else one ValidationError with every issue, its subject `kind 'name'`.
 * @example return orThrow({ rings, analysis }, issues, 'rings', opts.name);
 */
export function orThrow<T>(value: T | undefined, issues: ValidationIssue[], kind: string, name: unknown): T {
  if (issues.length || value === undefined) throw new ValidationError(issues, { subject: `${kind} '${typeof name === 'string' ? name : '?'}'` });
  return value;
}
