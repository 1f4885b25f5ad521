import { ValidationError, type ValidationIssue } from './errors.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonArray = JsonValue[];
export interface JsonObject {
  [key: string]: JsonValue;
}
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;

/** Lists why `value` is not plain JSON (functions, undefined in arrays, NaN, cycles, class instances, bigint...). */
export function jsonIssues(value: unknown, path = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, p: string, depth: number): void => {
    if (issues.length >= 20) return;
    if (depth > 100) {
      issues.push({ path: p, message: 'nested deeper than 100 levels' });
      return;
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) issues.push({ path: p, message: `${String(v)} is not JSON: use a finite number` });
      return;
    }
    if (typeof v !== 'object') {
      issues.push({ path: p, message: `a ${typeof v} is not JSON-serialisable` });
      return;
    }
    if (seen.has(v)) {
      issues.push({ path: p, message: 'circular reference: JSON cannot hold cycles' });
      return;
    }
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item === undefined) issues.push({ path: `${p}[${i}]`, message: 'undefined is not JSON: use null' });
        else walk(item, `${p}[${i}]`, depth + 1);
      });
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        issues.push({ path: p, message: `a ${v.constructor?.name ?? 'class'} instance is not plain JSON: convert it to an object, string or number` });
      } else {
        for (const [k, item] of Object.entries(v)) {
          if (item === undefined) continue; // dropped by JSON.stringify, as users expect
          walk(item, p ? `${p}.${k}` : k, depth + 1);
        }
      }
    }
    seen.delete(v);
  };
  walk(value, path, 0);
  return issues;
}

/** Throws a ValidationError when `value` is not plain JSON. */
export function assertJson(value: unknown, subject = 'value'): asserts value is JsonValue {
  if (value === undefined) throw new ValidationError([{ path: '', message: 'undefined is not JSON: store null or delete the key' }], { subject });
  const issues = jsonIssues(value);
  if (issues.length) throw new ValidationError(issues, { subject });
}

/** A deep copy of a JSON value (what a store hands out, so callers cannot mutate stored state). */
export function cloneJson<T extends JsonValue>(value: T): T {
  return value === null || typeof value !== 'object' ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Structural equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Store keys: non-empty, at most 512 UTF-8 bytes, no control characters. */
export function assertKey(key: unknown, path = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError([{ path, message: `key must be a non-empty string, got ${key === '' ? "''" : typeof key}` }]);
  }
  if (Buffer.byteLength(key, 'utf8') > 512) {
    throw new ValidationError([{ path, message: `key '${key.slice(0, 40)}...' is ${Buffer.byteLength(key, 'utf8')} bytes; the limit is 512` }]);
  }
  if (CONTROL.test(key)) {
    throw new ValidationError([{ path, message: `key ${JSON.stringify(key)} holds a control character; use printable characters only` }]);
  }
}
