import { NS } from '../core/context.js';
import { jsonEqual, type JsonValue } from '../core/json.js';
import type { CompiledSegment } from './conditions.js';
import { compileSegment } from './conditions.js';
import { decode } from './codec.js';
import { compileFlag, type CompiledFlag } from './compile.js';
import type { CompiledEnv } from './evaluate.js';
import type { FlagDefinition, SegmentDefinition } from './types.js';
import { validateFlag, validateSegment } from './validate.js';

export type Kind = 'flag' | 'segment';

interface FlagEntry {
  cf: CompiledFlag;
  version: number;
}

interface SegmentEntry {
  def: SegmentDefinition;
  compiled: CompiledSegment;
  version: number;
}

/** What changed in the snapshot, for the client to announce. */
export type SnapshotChange = { kind: Kind; key: string; def: FlagDefinition | SegmentDefinition | undefined };

/**
 * The in-memory copy of every flag and segment: compiled, deep-frozen definitions keyed by key, with the store
 * version each came from. Every mutation reports whether the content changed, so echoes of our own writes and
 * resyncs that find nothing new announce nothing.
 */
export class Snapshot implements CompiledEnv {
  readonly flags = new Map<string, FlagEntry>();
  readonly segments = new Map<string, SegmentEntry>();
  /** Keys changed while a listing is in flight (the listing may be older than them). */
  #touched: Set<string> | undefined;
  readonly #onRetire: (cf: CompiledFlag) => void;
  readonly #onInvalid: (storeKey: string, reason?: string) => void;

  /** `onInvalid(key, reason)` reports a stored document that cannot be used; `onInvalid(key)` says it is fine again. */
  constructor(onRetire: (cf: CompiledFlag) => void, onInvalid: (storeKey: string, reason?: string) => void) {
    this.#onRetire = onRetire;
    this.#onInvalid = onInvalid;
  }

  flag(key: string): CompiledFlag | undefined {
    return this.flags.get(key)?.cf;
  }

  segment(key: string): CompiledSegment | undefined {
    return this.segments.get(key)?.compiled;
  }

  /** Sets or deletes one definition; returns the change when the content differs. */
  set(kind: Kind, key: string, def: FlagDefinition | SegmentDefinition | undefined, version: number): SnapshotChange | undefined {
    this.#touched?.add(`${kind}:${key}`);
    if (kind === 'flag') {
      const prev = this.flags.get(key);
      if (def === undefined) {
        if (!prev) return undefined;
        this.flags.delete(key);
        this.#onRetire(prev.cf);
        return { kind, key, def: undefined };
      }
      if (prev && jsonEqual(prev.cf.def, def)) {
        prev.version = version;
        return undefined;
      }
      const frozen = deepFreeze(def as FlagDefinition);
      this.flags.set(key, { cf: compileFlag(frozen), version });
      if (prev) this.#onRetire(prev.cf);
      return { kind, key, def: frozen };
    }
    const prev = this.segments.get(key);
    if (def === undefined) {
      if (!prev) return undefined;
      this.segments.delete(key);
      return { kind, key, def: undefined };
    }
    if (prev && jsonEqual(prev.def, def)) {
      prev.version = version;
      return undefined;
    }
    const frozen = deepFreeze(def as SegmentDefinition);
    this.segments.set(key, { def: frozen, compiled: compileSegment(frozen), version });
    return { kind, key, def: frozen };
  }

  /** Applies one stored document (from a watch event or a listing): decoded, migrated and validated first. */
  applyStored(storeKey: string, value: JsonValue | undefined, version: number, deleted: boolean): SnapshotChange | undefined {
    const kind: Kind | undefined = storeKey.startsWith(NS.flags) ? 'flag' : storeKey.startsWith(NS.segments) ? 'segment' : undefined;
    if (!kind) return undefined;
    const key = storeKey.slice(kind === 'flag' ? NS.flags.length : NS.segments.length);
    if (deleted) {
      this.#onInvalid(storeKey);
      return this.set(kind, key, undefined, version);
    }
    const d = decode<FlagDefinition | SegmentDefinition>(value);
    if (!d.ok) {
      this.#onInvalid(storeKey, d.reason);
      return undefined;
    }
    // unchanged content (an echo, or a periodic resync) needs no validation
    const current = kind === 'flag' ? this.flags.get(key)?.cf.def : this.segments.get(key)?.def;
    if (current !== undefined && jsonEqual(current, d.definition)) {
      this.#onInvalid(storeKey);
      return this.set(kind, key, d.definition, version);
    }
    const issues = kind === 'flag' ? validateFlag(d.definition) : validateSegment(d.definition);
    if (issues.length || d.definition.key !== key) {
      const first = issues[0];
      this.#onInvalid(storeKey, first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : `its key '${d.definition.key}' differs from the store key`);
      return undefined; // the previous version keeps serving
    }
    this.#onInvalid(storeKey);
    return this.set(kind, key, d.definition, version);
  }

  /** Starts a listing: changes from now on win over what the listing returns. */
  beginListing(): void {
    this.#touched = new Set();
  }

  /**
   * Reconciles with full listings of both namespaces (started at `beginListing`): applies what differs, deletes
   * what is gone, skipping keys changed meanwhile. Returns the changes.
   */
  endListing(flags: { key: string; value: JsonValue; version: number }[], segments: { key: string; value: JsonValue; version: number }[]): SnapshotChange[] {
    const touched = this.#touched ?? new Set<string>();
    this.#touched = undefined;
    const changes: SnapshotChange[] = [];
    const seen = new Set<string>();
    for (const e of [...segments, ...flags]) {
      const kind = e.key.startsWith(NS.flags) ? 'flag' : 'segment';
      const key = e.key.slice(kind === 'flag' ? NS.flags.length : NS.segments.length);
      seen.add(`${kind}:${key}`);
      if (touched.has(`${kind}:${key}`)) continue;
      const c = this.applyStored(e.key, e.value, e.version, false);
      if (c) changes.push(c);
    }
    for (const [kind, map] of [['flag', this.flags], ['segment', this.segments]] as const) {
      for (const key of [...map.keys()]) {
        const id = `${kind}:${key}`;
        if (seen.has(id) || touched.has(id)) continue;
        const c = this.set(kind, key, undefined, 0);
        if (c) changes.push(c);
      }
    }
    return changes;
  }

  abortListing(): void {
    this.#touched = undefined;
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
