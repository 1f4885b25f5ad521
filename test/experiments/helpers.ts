import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { DeliveryError } from '../../src/core/errors.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { ExperimentClient, type ExperimentClientOptions } from '../../src/experiments/client.js';
import type { ExperimentDefinition } from '../../src/experiments/types.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';

export interface Fleet {
  clock: ManualClock;
  store: Store;
  deliveries: Delivery[];
  close(): Promise<void>;
}

/** `n` deliveries sharing one MemoryStore and one manual clock: a fleet in one process. */
export async function fleet(n = 1, store?: Store): Promise<Fleet> {
  const clock = createManualClock(1_000_000);
  const s = store ?? new MemoryStore({ clock });
  const deliveries = Array.from({ length: n }, () => createDelivery({ store: s, clock }));
  for (const d of deliveries) await d.ready();
  return {
    clock,
    store: s,
    deliveries,
    async close() {
      for (const d of deliveries) await d.close();
      await s.close();
    },
  };
}

/**
 * A ready delivery on `store` whose error events and logged warnings are collected, and a separate ExperimentClient
 * on its context (with `opts`, e.g. a small `maxBuffer`) holding `def`: for what the client does when that store fails.
 */
export async function clientOn(
  store: Store,
  def: ExperimentDefinition,
  opts: ExperimentClientOptions,
): Promise<{ d: Delivery; x: ExperimentClient; errors: DeliveryError[]; warnings: { msg: string; code: unknown }[] }> {
  const warnings: { msg: string; code: unknown }[] = [];
  const d = createDelivery({ store, logger: { warn: (msg, meta) => warnings.push({ msg, code: meta?.code }) } });
  await d.ready();
  const errors: DeliveryError[] = [];
  d.on('error', (e) => errors.push(e));
  const x = new ExperimentClient(d.context, opts);
  await x.load();
  await x.put(def);
  return { d, x, errors, warnings };
}

export const users = (n: number, prefix = 'u'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
