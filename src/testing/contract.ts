import { afterEach, describe } from 'vitest';
import type { Store } from '../store/types.js';
import { expiryContract } from './contract-expiry.js';
import { readContract } from './contract-read.js';
import { realSleep, uniqueNamespace, type ContractEnv, type StoreContractOptions } from './contract-util.js';
import { watchContract } from './contract-watch.js';
import { writeContract } from './contract-write.js';

/**
 * The store contract suite: registers vitest tests that every `Store` must pass (versions, compare-and-set,
 * ConflictError, delete, sorted prefix listing, watch, TTLs, counters, setIfAbsent, leases, JSON and key validation,
 * copies, and 50 concurrent compare-and-set increments from two clients). Every store of the library runs it; run it
 * against your own store to check it behaves the same. Each test works under its own key namespace, so stores from
 * `makeStore` may share one backend; every store made is closed after its test.
 * @example
 * // my-store.test.ts
 * import { describeStoreContract } from 'progressive-delivery/testing';
 * describeStoreContract('MyStore', () => new MyStore({ url: process.env.MY_URL }), { shared: true });
 */
export function describeStoreContract(name: string, makeStore: () => Store | Promise<Store>, opts: StoreContractOptions = {}): void {
  const made: Store[] = [];
  const make = async (): Promise<Store> => {
    const s = await makeStore();
    made.push(s);
    return s;
  };

  describe(`Store contract: ${name}`, () => {
    afterEach(async () => {
      const stores = made.splice(0);
      await Promise.all(stores.map((s) => s.close().catch(() => {})));
    });

    if (opts.readOnly) {
      readContract(make, opts.readOnly.entries);
      return;
    }

    const env = (): ContractEnv => ({
        ns: uniqueNamespace(),
        store: make,
        other: async (first) => (opts.shared ? make() : first),
        advance: async (ms) => {
          if (opts.advance) await opts.advance(ms);
          else await realSleep(ms);
        },
        watchTimeoutMs: opts.watchTimeoutMs ?? 3000,
        shared: opts.shared ?? false,
    });

    describe('documents', () => writeContract(env));
    describe('watch', () => watchContract(env));
    describe('expiry, counters, setIfAbsent, leases', () => expiryContract(env));
  });
}

export type { StoreContractOptions } from './contract-util.js';
