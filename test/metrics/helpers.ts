import { randomUUID } from 'node:crypto';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { DeliveryContext } from '../../src/core/context.js';
import type { DeliveryError } from '../../src/core/errors.js';
import { safeLogger } from '../../src/core/logger.js';
import { seededRandom } from '../../src/core/random.js';
import { ErrorReporter } from '../../src/core/report.js';
import type { Collector } from '../../src/core/telemetry.js';
import { Metrics } from '../../src/metrics/metrics.js';
import type { MetricsOptions } from '../../src/metrics/types.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';

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
  const errors: DeliveryError[] = [];
  const warnings: string[] = [];
  const logger = safeLogger({ warn: (m) => warnings.push(m) });
  const collectors: Collector[] = [];
  const ctx: DeliveryContext = {
    store,
    clock,
    logger,
    reporter: new ErrorReporter((e) => errors.push(e), logger),
    random: seededRandom(1),
    instanceId: opts.instanceId ?? randomUUID(),
    leaseTtlMs: 15_000,
    addCollector: (c) => void collectors.push(c),
    whenReady: Promise.resolve(),
    isReady: () => true,
    isClosed: () => false,
  };
  const metrics = new Metrics(ctx, () => collectors, opts.options);
  return { metrics, clock, store, errors, warnings, collectors, ctx };
}
