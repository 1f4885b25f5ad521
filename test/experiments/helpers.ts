import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
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

export const users = (n: number, prefix = 'u'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
