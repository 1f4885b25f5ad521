import { systemClock, type Clock } from '../core/clock.js';
import { ConflictError, DeliveryError } from '../core/errors.js';
import { assertKey, cloneJson, type JsonValue } from '../core/json.js';
import type { PutOptions, Store, StoreChange, Versioned } from './types.js';
import { checkIncrement, checkLease, checkPut, checkTtl, checkVersion } from './validate.js';

interface Entry {
  value: JsonValue;
  version: number;
  expiresAt?: number;
}

interface Watcher {
  prefix: string;
  listener: (c: StoreChange) => void;
}

export interface MemoryStoreOptions {
  /** Time source for TTLs and leases. @default the system clock */
  clock?: Clock;
}

/**
 * The embedded default store: everything in this process's memory. Watchers are called in a microtask after
 * each write; expiry is checked lazily on access, so no timer is ever left behind.
 * @example const delivery = createDelivery({ store: new MemoryStore() });
 */
export class MemoryStore implements Store {
  readonly #clock: Clock;
  readonly #data = new Map<string, Entry>();
  /** Last version per key, kept after deletion so versions keep growing. */
  readonly #versions = new Map<string, number>();
  readonly #counters = new Map<string, { fields: Map<string, number>; expiresAt?: number }>();
  readonly #leases = new Map<string, { owner: string; expiresAt: number }>();
  #watchers: Watcher[] = [];
  #closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
  }

  #live(key: string): Entry | undefined {
    const e = this.#data.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= this.#clock.now()) {
      this.#data.delete(key);
      this.#notify({ key, version: e.version, deleted: true });
      return undefined;
    }
    return e;
  }

  #check(): void {
    if (this.#closed) throw new DeliveryError('MemoryStore is closed', 'STORE_CLOSED');
  }

  #notify(change: StoreChange): void {
    const targets = this.#watchers.filter((w) => change.key.startsWith(w.prefix));
    if (!targets.length) return;
    queueMicrotask(() => {
      for (const w of targets) {
        if (!this.#watchers.includes(w)) continue;
        try {
          w.listener({ ...change, value: change.value === undefined ? undefined : cloneJson(change.value) });
        } catch {
          // a watcher's failure is its own
        }
      }
    });
  }

  async get(key: string): Promise<Versioned | undefined> {
    this.#check();
    assertKey(key);
    const e = this.#live(key);
    return e ? { value: cloneJson(e.value), version: e.version } : undefined;
  }

  async list(prefix: string): Promise<({ key: string } & Versioned)[]> {
    this.#check();
    if (typeof prefix !== 'string') throw new DeliveryError('prefix must be a string', 'VALIDATION');
    const out: ({ key: string } & Versioned)[] = [];
    for (const key of [...this.#data.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const e = this.#live(key);
      if (e) out.push({ key, value: cloneJson(e.value), version: e.version });
    }
    return out;
  }

  async put(key: string, value: JsonValue, opts: PutOptions = {}): Promise<number> {
    this.#check();
    checkPut(key, value, opts);
    const current = this.#live(key);
    if (opts.expectedVersion !== undefined && (current?.version ?? 0) !== opts.expectedVersion) {
      throw new ConflictError(key, opts.expectedVersion, current?.version);
    }
    const version = (this.#versions.get(key) ?? 0) + 1;
    this.#versions.set(key, version);
    const stored = cloneJson(value);
    this.#data.set(key, { value: stored, version, expiresAt: opts.ttlMs !== undefined ? this.#clock.now() + opts.ttlMs : undefined });
    this.#notify({ key, value: stored, version, deleted: false });
    return version;
  }

  async delete(key: string, opts: { expectedVersion?: number } = {}): Promise<boolean> {
    this.#check();
    assertKey(key);
    if (opts.expectedVersion !== undefined) checkVersion(opts.expectedVersion);
    const current = this.#live(key);
    if (opts.expectedVersion !== undefined && (current?.version ?? 0) !== opts.expectedVersion) {
      throw new ConflictError(key, opts.expectedVersion, current?.version);
    }
    if (!current) return false;
    this.#data.delete(key);
    const version = (this.#versions.get(key) ?? current.version) + 1;
    this.#versions.set(key, version);
    this.#notify({ key, version, deleted: true });
    return true;
  }

  watch(prefix: string, listener: (change: StoreChange) => void): () => void {
    this.#check();
    const w: Watcher = { prefix, listener };
    this.#watchers.push(w);
    return () => {
      this.#watchers = this.#watchers.filter((x) => x !== w);
    };
  }

  #counterSet(key: string) {
    const set = this.#counters.get(key);
    if (set?.expiresAt !== undefined && set.expiresAt <= this.#clock.now()) {
      this.#counters.delete(key);
      return undefined;
    }
    return set;
  }

  async increment(key: string, field: string, by: number, opts: { ttlMs?: number } = {}): Promise<number> {
    this.#check();
    checkIncrement(key, field, by);
    if (opts.ttlMs !== undefined) checkTtl(opts.ttlMs);
    let set = this.#counterSet(key);
    if (!set) {
      set = { fields: new Map() };
      this.#counters.set(key, set);
    }
    if (opts.ttlMs !== undefined) set.expiresAt = this.#clock.now() + opts.ttlMs;
    const next = (set.fields.get(field) ?? 0) + by;
    set.fields.set(field, next);
    return next;
  }

  async counters(key: string): Promise<Record<string, number>> {
    this.#check();
    assertKey(key);
    const set = this.#counterSet(key);
    return set ? Object.fromEntries(set.fields) : {};
  }

  async setIfAbsent(key: string, value: JsonValue, opts: { ttlMs?: number } = {}): Promise<boolean> {
    this.#check();
    checkPut(key, value, opts);
    if (this.#live(key)) return false;
    await this.put(key, value, opts);
    return true;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#check();
    checkLease(name, owner, ttlMs);
    const now = this.#clock.now();
    const held = this.#leases.get(name);
    if (held && held.expiresAt > now && held.owner !== owner) return false;
    this.#leases.set(name, { owner, expiresAt: now + ttlMs });
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.#check();
    checkLease(name, owner);
    if (this.#leases.get(name)?.owner === owner) this.#leases.delete(name);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watchers = [];
  }
}
