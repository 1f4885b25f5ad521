import type { JsonValue } from '../core/json.js';
import type { FlagDefinition, SegmentDefinition } from './types.js';

/** The schema version written with every flag and segment document. */
export const SCHEMA_VERSION = 1;

/** What is stored under NS.flags + key and NS.segments + key. */
export interface StoredDocument<T> {
  schemaVersion: typeof SCHEMA_VERSION;
  definition: T;
}

/** Wraps a (validated, plain) definition for the store. */
export function encode<T extends FlagDefinition | SegmentDefinition>(definition: T): JsonValue {
  return { schemaVersion: SCHEMA_VERSION, definition } as unknown as JsonValue;
}

/** The result of reading a stored document: the definition, or why it cannot be used. */
export type Decoded<T> = { ok: true; definition: T; migratedFrom?: number } | { ok: false; reason: string };

/**
 * Reads a stored document and migrates it to the current schema:
 * - schema 1: `{ schemaVersion: 1, definition }`;
 * - schema 0 (no `schemaVersion`): a bare definition `{ key, ... }`, as written by hand or by early tools.
 * A newer schema than this library knows is refused (upgrade the library), never guessed at.
 */
export function decode<T extends FlagDefinition | SegmentDefinition>(value: JsonValue | undefined): Decoded<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'the stored value is not an object' };
  const sv = value.schemaVersion;
  if (sv === undefined) {
    if (typeof value.key === 'string') return { ok: true, definition: value as unknown as T, migratedFrom: 0 };
    return { ok: false, reason: 'the stored value has neither schemaVersion nor key' };
  }
  if (sv === SCHEMA_VERSION) {
    const def = value.definition;
    if (def === null || typeof def !== 'object' || Array.isArray(def)) return { ok: false, reason: 'schema 1 document without a definition object' };
    return { ok: true, definition: def as unknown as T };
  }
  if (typeof sv === 'number' && sv > SCHEMA_VERSION) {
    return { ok: false, reason: `written with schema ${sv}; this version of progressive-delivery reads up to ${SCHEMA_VERSION}: upgrade it` };
  }
  return { ok: false, reason: `unknown schemaVersion ${JSON.stringify(sv)}` };
}
