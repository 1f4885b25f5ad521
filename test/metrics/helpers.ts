import { randomUUID } from 'node:crypto';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { DeliveryContext } from '../../src/core/context.js';
import type { DeliveryError } from '../../src/core/errors.js';
import type { Collector } from '../../src/core/telemetry.js';
import { Metrics } from '../../src/metrics/metrics.js';
import type { MetricsOptions } from '../../src/metrics/types.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';
import { testContext } from '../helpers/context.js';

export interface Rig {
  metrics: Metrics;
  clock: ManualClock;
  store: Store;
  errors: DeliveryError[];
  warnings: string[];
  collectors: Collector[];
  ctx: DeliveryContext;
}

/** A Metrics module on a real MemoryStore (or the given store) and a manual clock, as the facade builds it. */
export function rig(opts: { options?: MetricsOptions; store?: Store; clock?: ManualClock; instanceId?: string } = {}): Rig {
  const clock = opts.clock ?? createManualClock(1_000_000);
  const store = opts.store ?? new MemoryStore({ clock });
  const warnings: string[] = [];
  const { ctx, errors, collectors } = testContext({ clock, store, instanceId: opts.instanceId ?? randomUUID(), logger: { warn: (m) => warnings.push(m) } });
  const metrics = new Metrics(ctx, () => collectors, opts.options);
  return { metrics, clock, store, errors, warnings, collectors, ctx };
}
