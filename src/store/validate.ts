import { ValidationError } from '../core/errors.js';
import { assertJson, assertKey, type JsonValue } from '../core/json.js';

/** Argument checks shared by every store, so each one rejects bad input with the same error. */
export function checkPut(key: string, value: unknown, opts?: { expectedVersion?: number; ttlMs?: number }): asserts value is JsonValue {
  assertKey(key);
  assertJson(value, `value of '${key}'`);
  if (opts?.expectedVersion !== undefined) checkVersion(opts.expectedVersion);
  if (opts?.ttlMs !== undefined) checkTtl(opts.ttlMs);
}

export function checkVersion(v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ValidationError([{ path: 'expectedVersion', message: `must be an integer >= 0 (0: must not exist), got ${String(v)}` }]);
  }
}

export function checkTtl(ttl: unknown, path = 'ttlMs'): void {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new ValidationError([{ path, message: `must be a positive number of milliseconds, got ${String(ttl)}` }]);
  }
}

export function checkIncrement(key: string, field: string, by: number): void {
  assertKey(key);
  if (typeof field !== 'string' || field.length === 0) throw new ValidationError([{ path: 'field', message: 'must be a non-empty string' }]);
  if (typeof by !== 'number' || !Number.isFinite(by)) throw new ValidationError([{ path: 'by', message: `must be a finite number, got ${String(by)}` }]);
}

export function checkLease(name: string, owner: string, ttlMs?: number): void {
  assertKey(name, 'name');
  if (typeof owner !== 'string' || owner.length === 0) throw new ValidationError([{ path: 'owner', message: 'must be a non-empty string' }]);
  if (ttlMs !== undefined) checkTtl(ttlMs, 'ttlMs');
}
