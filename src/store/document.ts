import type { ValidationIssue } from '../core/errors.js';
import { NS } from '../core/context.js';
import type { JsonValue } from '../core/json.js';
import { validateExperiment } from '../experiments/validate.js';
import { encode } from '../flags/codec.js';
import type { FlagDefinition, SegmentDefinition } from '../flags/types.js';
import { validateFlagSet } from '../flags/validate.js';

/**
 * The flags-as-code document that `FileStore` reads, `flags export` writes and `flags import` reads:
 * `{ "flags": FlagDefinition[], "segments": SegmentDefinition[], "experiments": ExperimentDefinition[] }`.
 * Every list is optional; `$schema` and `description` are allowed and ignored.
 */
export interface DeliveryDocument {
  flags?: unknown[];
  segments?: unknown[];
  experiments?: unknown[];
}

const SECTIONS = ['flags', 'segments', 'experiments'] as const;
const IGNORED = new Set(['$schema', 'description']);

/**
 * Checks a parsed document as a whole: its shape, then every flag and segment (with cross-references) and every
 * experiment. Returns every problem with its path (e.g. `flags[2].rules[0].serve`); empty when it is valid.
 */
export function validateDocument(doc: unknown): ValidationIssue[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return [{ path: '', message: 'the document must be an object { "flags": [...], "segments": [...], "experiments": [...] }' }];
  }
  const d = doc as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const k of Object.keys(d)) {
    if (!(SECTIONS as readonly string[]).includes(k) && !IGNORED.has(k)) {
      issues.push({ path: k, message: `unknown section '${k}': a document holds only flags, segments and experiments` });
    }
  }
  for (const s of SECTIONS) {
    if (d[s] !== undefined && !Array.isArray(d[s])) issues.push({ path: s, message: `${s} must be an array` });
  }
  const list = (s: (typeof SECTIONS)[number]): unknown[] => (Array.isArray(d[s]) ? (d[s] as unknown[]) : []);
  issues.push(...validateFlagSet({ flags: list('flags'), segments: list('segments') }));
  const seen = new Map<string, number>();
  list('experiments').forEach((e, i) => {
    issues.push(...validateExperiment(e, `experiments[${i}]`));
    const key = (e as { key?: unknown } | null)?.key;
    if (typeof key === 'string') {
      const first = seen.get(key);
      if (first !== undefined) issues.push({ path: `experiments[${i}].key`, message: `duplicate experiment key '${key}' (also experiments[${first}])` });
      else seen.set(key, i);
    }
  });
  return issues;
}

/**
 * The store entries of a valid document: `flags/<key>` and `segments/<key>` (in the flags module's stored format)
 * and `experiments/<key>`.
 */
export function documentEntries(doc: DeliveryDocument): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (const f of (doc.flags ?? []) as FlagDefinition[]) out.set(NS.flags + f.key, encode(f));
  for (const s of (doc.segments ?? []) as SegmentDefinition[]) out.set(NS.segments + s.key, encode(s));
  for (const e of (doc.experiments ?? []) as { key: string }[]) out.set(NS.experiments + e.key, e as unknown as JsonValue);
  return out;
}

/** The namespaces a document fills (read-only in a FileStore). */
export const DOCUMENT_NAMESPACES: readonly string[] = [NS.flags, NS.segments, NS.experiments];
