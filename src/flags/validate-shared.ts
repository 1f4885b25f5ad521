import type { ValidationIssue } from '../core/errors.js';
import { hint } from './did-you-mean.js';

/** Flag and segment keys. */
export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const at = (base: string, field: string) => (base ? `${base}.${field}` : field);
/** A short, never-throwing description of any value for messages: `'text'`, `42`, `null`, `an object`, ... */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 60)}...` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined) return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function unknownFields(o: Record<string, unknown>, known: string[], path: string, issues: ValidationIssue[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) issues.push({ path: at(path, k), message: `unknown field '${k}'${hint(k, known)}` });
}

export function checkKey(v: unknown, path: string, what: string, issues: ValidationIssue[]): void {
  if (typeof v !== 'string' || !KEY_PATTERN.test(v)) {
    issues.push({ path, message: `${what} key must match /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/ (letters, digits, '.', '_', '-'; at most 128), got ${typeof v === 'string' ? show(v) : typeof v}` });
  }
}

export function checkStringArray(v: unknown, path: string, max: number, issues: ValidationIssue[]): v is string[] {
  if (!Array.isArray(v)) {
    issues.push({ path, message: `must be an array of strings, got ${v === null ? 'null' : typeof v}` });
    return false;
  }
  if (v.length > max) issues.push({ path, message: `holds ${v.length} entries; the limit is ${max}` });
  const bad = v.findIndex((x) => typeof x !== 'string');
  if (bad >= 0) issues.push({ path: `${path}[${bad}]`, message: `must be a string, got ${typeof v[bad]}` });
  return bad < 0;
}
