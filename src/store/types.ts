import type { JsonValue } from '../core/json.js';

/** A stored value with its version. Versions are positive integers that grow with every write of a key. */
export interface Versioned {
  value: JsonValue;
  version: number;
}

/** One change seen by a watcher. `deleted` changes carry no value. */
export interface StoreChange {
  key: string;
  value?: JsonValue;
  version: number;
  deleted: boolean;
}

export interface PutOptions {
  /** Compare-and-set: the write succeeds only if the key is at this version (0: the key must not exist). */
  expectedVersion?: number;
  /** The key expires after this many milliseconds. */
  ttlMs?: number;
}

/**
 * The only seam between the library's modules and infrastructure. Values are JSON; keys are non-empty strings of
 * at most 512 bytes without control characters. Every implementation passes `describeStoreContract`.
 */
export interface Store {
  get(key: string): Promise<Versioned | undefined>;
  /** Every key starting with `prefix`, sorted by key. */
  list(prefix: string): Promise<({ key: string } & Versioned)[]>;
  /** Writes `value` and resolves with the new version; rejects with ConflictError when `expectedVersion` does not hold. */
  put(key: string, value: JsonValue, opts?: PutOptions): Promise<number>;
  /** Resolves true when something was deleted; ConflictError when `expectedVersion` does not hold. */
  delete(key: string, opts?: { expectedVersion?: number }): Promise<boolean>;
  /** Calls `listener` for every change of a key under `prefix` (from this process or, for shared stores, any). Returns an unsubscribe. */
  watch(prefix: string, listener: (change: StoreChange) => void): () => void;
  /** Atomically adds `by` to the counter `field` of the counter set `key`; resolves with the new value. */
  increment(key: string, field: string, by: number, opts?: { ttlMs?: number }): Promise<number>;
  /** Every counter of the set `key` (empty when none). */
  counters(key: string): Promise<Record<string, number>>;
  /** Writes only if the key does not exist; resolves whether it wrote. */
  setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<boolean>;
  /** Takes the lease `name` for `owner` for `ttlMs`; true also when `owner` renews its own lease. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
  close(): Promise<void>;
}
