import type { Store } from '../store/types.js';

/** Options of describeStoreContract. */
export interface StoreContractOptions {
  /**
   * Stores from `makeStore` share one backend (two RedisStores on one Redis): the concurrency and watch tests then
   * use two stores, as two processes would. @default false (one store plays both clients)
   */
  shared?: boolean;
  /**
   * Makes `ms` of store time pass, for TTL and lease expiry. Give `(ms) => clock.advance(ms)` when the store runs on
   * a manual clock. @default waits `ms` of real time (keep TTLs short)
   */
  advance?: (ms: number) => void | Promise<void>;
  /** Longest wait for a watch notification. @default 3000 */
  watchTimeoutMs?: number;
  /**
   * The store is read-only (FileStore): only the read part runs, against `entries`, the documents the store holds.
   * Writes must reject: `put`, `delete` and `setIfAbsent` of a held key reject with a `DeliveryError` of code
   * `READ_ONLY` (the code the CLI explains) and change nothing.
   */
  readOnly?: { entries: Record<string, unknown> };
}

export interface ContractEnv {
  /** A fresh store for this test; closed after it. */
  store(): Promise<Store>;
  /** A second client on the same backend when `shared`, otherwise the same store. */
  other(first: Store): Promise<Store>;
  /** A key namespace unique to this test, e.g. `contract-3f2a/`. */
  ns: string;
  advance(ms: number): Promise<void>;
  watchTimeoutMs: number;
  shared: boolean;
}

let seq = 0;

/** A namespace unique to one test, so tests can share a backend (and run twice) without seeing each other. */
export function uniqueNamespace(): string {
  seq += 1;
  return `contract-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${seq}/`;
}

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs `fn`, returns what it rejected with (fails the test if it resolved). */
export async function rejection(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the call resolved');
}

export function realSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
