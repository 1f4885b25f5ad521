import type { Clock } from '../core/clock.js';
import type { JsonValue } from '../core/json.js';
import type { StoreChange } from './types.js';

/** What a watched prefix knows about one key: its version and JSON text (undefined once deleted). */
interface Known {
  version: number;
  raw: string | undefined;
}

/** One raw entry of a listing. */
export interface RawEntry {
  key: string;
  version: number;
  raw: string;
}

/** One change as it arrives, from pub/sub or from a local write that just succeeded. */
export interface RawChange {
  key: string;
  version: number;
  deleted: boolean;
  raw?: string;
}

class PrefixWatch {
  readonly listeners = new Set<(c: StoreChange) => void>();
  /** What this prefix has seen; deleted keys stay (raw undefined) so the echo of a delete is not emitted twice. */
  readonly known = new Map<string, Known>();
  /** Set while a listing is in flight: keys changed by messages since it started (the listing may be older). */
  touched: Set<string> | undefined;
  /** True once a first listing seeded `known`. */
  seeded = false;
  /** A listing taken when the prefix was watched before the subscription was live: the baseline changes are measured against. */
  early: Promise<RawEntry[] | undefined> | undefined;
  constructor(readonly prefix: string) {}
}

/** Deleted keys remembered per prefix before the oldest are forgotten. */
const MAX_TOMBSTONES = 10_000;
/** Delay before retrying a listing that failed (Redis still unreachable). */
const RETRY_MS = 1000;

/**
 * The watch side of RedisStore, free of ioredis: dispatches changes to listeners by prefix, drops duplicates (a
 * local write is emitted at once and its pub/sub echo skipped), and after a reconnect compares each prefix's
 * listing with what it knew, by content, emitting every change it missed (versions may have restarted).
 */
export class WatchHub {
  readonly #prefixes = new Map<string, PrefixWatch>();
  readonly #list: (prefix: string) => Promise<RawEntry[]>;
  readonly #clock: Clock;
  #live = false;
  #retry: unknown;
  #closed = false;

  constructor(list: (prefix: string) => Promise<RawEntry[]>, clock: Clock) {
    this.#list = list;
    this.#clock = clock;
  }

  get size(): number {
    return this.#prefixes.size;
  }

  add(prefix: string, listener: (c: StoreChange) => void): () => void {
    let pw = this.#prefixes.get(prefix);
    if (!pw) {
      pw = new PrefixWatch(prefix);
      this.#prefixes.set(prefix, pw);
      if (this.#live) void this.#sync(pw);
      else pw.early = this.#list(prefix).catch(() => undefined);
    }
    pw.listeners.add(listener);
    const target = pw;
    return () => {
      target.listeners.delete(listener);
      if (target.listeners.size === 0 && this.#prefixes.get(prefix) === target) this.#prefixes.delete(prefix);
    };
  }

  /** The subscription is (again) confirmed: every prefix re-reads its content. */
  subscribed(): void {
    this.#live = true;
    for (const pw of this.#prefixes.values()) void this.#sync(pw);
  }

  /** The subscriber lost its connection: messages may be missed until `subscribed()`. */
  disconnected(): void {
    this.#live = false;
  }

  /** A change from pub/sub or a local write. */
  apply(change: RawChange): void {
    for (const pw of this.#prefixes.values()) {
      if (!change.key.startsWith(pw.prefix)) continue;
      pw.touched?.add(change.key);
      const k = pw.known.get(change.key);
      // same incarnation, same key: versions only grow, so an older or equal version was already seen
      if (k && k.version >= change.version) continue;
      this.#remember(pw, change.key, { version: change.version, raw: change.deleted ? undefined : change.raw });
      this.#emit(pw, change);
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) this.#clock.clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#prefixes.clear();
  }

  async #sync(pw: PrefixWatch): Promise<void> {
    if (pw.touched) return; // a listing is already in flight; it started after the (re)subscription
    const touched = new Set<string>();
    pw.touched = touched;
    let entries: RawEntry[];
    try {
      const early = pw.early;
      pw.early = undefined;
      const before = early ? await early : undefined;
      if (before && !pw.seeded) {
        // changes made between watch() and the subscription are the difference between this and the listing below
        for (const e of before) if (!pw.known.has(e.key)) pw.known.set(e.key, { version: e.version, raw: e.raw });
        pw.seeded = true;
      }
      entries = await this.#list(pw.prefix);
    } catch {
      pw.touched = undefined;
      this.#scheduleRetry();
      return;
    } finally {
      if (pw.touched === touched) pw.touched = undefined;
    }
    if (this.#closed || this.#prefixes.get(pw.prefix) !== pw) return;
    const seen = new Set<string>();
    for (const e of entries) {
      seen.add(e.key);
      if (touched.has(e.key)) continue; // a message since the listing started is at least as new
      const k = pw.known.get(e.key);
      if (k && k.raw === e.raw && k.version === e.version) continue;
      this.#remember(pw, e.key, { version: e.version, raw: e.raw });
      // the first listing only seeds: what existed before watch() is not a change
      if (pw.seeded) this.#emit(pw, { key: e.key, version: e.version, deleted: false, raw: e.raw });
    }
    for (const [key, k] of [...pw.known]) {
      if (seen.has(key) || touched.has(key)) continue;
      pw.known.delete(key); // versions may restart from 1 after this; forget the old one
      if (k.raw !== undefined && pw.seeded) this.#emit(pw, { key, version: k.version + 1, deleted: true });
    }
    pw.seeded = true;
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = this.#clock.setTimeout(() => {
      this.#retry = undefined;
      if (this.#live) for (const pw of this.#prefixes.values()) void this.#sync(pw);
    }, RETRY_MS);
  }

  #remember(pw: PrefixWatch, key: string, k: Known): void {
    pw.known.delete(key); // re-insert: Map order is then oldest-first for pruning
    pw.known.set(key, k);
    if (k.raw === undefined && pw.known.size > MAX_TOMBSTONES) {
      let excess = pw.known.size - MAX_TOMBSTONES;
      for (const [key2, k2] of pw.known) {
        if (excess <= 0) break;
        if (k2.raw === undefined) {
          pw.known.delete(key2);
          excess--;
        }
      }
    }
  }

  #emit(pw: PrefixWatch, change: RawChange): void {
    let value: JsonValue | undefined;
    if (!change.deleted && change.raw !== undefined) {
      try {
        value = JSON.parse(change.raw) as JsonValue;
      } catch {
        return; // not written by a RedisStore: ignore
      }
    }
    for (const listener of [...pw.listeners]) {
      try {
        // each listener gets its own copy
        const v = value === undefined ? undefined : value === null || typeof value !== 'object' ? value : (JSON.parse(change.raw!) as JsonValue);
        listener(change.deleted ? { key: change.key, version: change.version, deleted: true } : { key: change.key, value: v, version: change.version, deleted: false });
      } catch {
        // a watcher's failure is its own
      }
    }
  }
}
