/**
 * A DeliveryContext as createDelivery builds it (ready, open, errors and collectors captured), for testing one
 * module without the facade.
 */
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { DeliveryContext } from '../../src/core/context.js';
import type { DeliveryError } from '../../src/core/errors.js';
import { safeLogger, type Logger } from '../../src/core/logger.js';
import { seededRandom, type Random } from '../../src/core/random.js';
import { ErrorReporter } from '../../src/core/report.js';
import type { Collector } from '../../src/core/telemetry.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';

export interface TestContextOptions {
  /** @default createManualClock(0) */
  clock?: ManualClock;
  /** @default a MemoryStore on the clock */
  store?: Store;
  /** @default seededRandom(1) */
  random?: Random;
  /** @default 'test' */
  instanceId?: string;
  /** The user logger behind both the context's logger and its reporter. @default none (silent) */
  logger?: Logger;
}

export interface TestContext {
  ctx: DeliveryContext;
  clock: ManualClock;
  store: Store;
  /** What the reporter reported (the delivery's 'error' events). */
  errors: DeliveryError[];
  /** What modules registered with ctx.addCollector. */
  collectors: Collector[];
}

/**
 * @example const { ctx, errors } = testContext({ clock: createManualClock(1_000) }); const shadow = new ShadowClient(ctx, opts);
 */
export function testContext(opts: TestContextOptions = {}): TestContext {
  const clock = opts.clock ?? createManualClock(0);
  const store = opts.store ?? new MemoryStore({ clock });
  const errors: DeliveryError[] = [];
  const collectors: Collector[] = [];
  const logger = safeLogger(opts.logger);
  const ctx: DeliveryContext = {
    store,
    clock,
    logger,
    reporter: new ErrorReporter((e) => errors.push(e), logger),
    random: opts.random ?? seededRandom(1),
    instanceId: opts.instanceId ?? 'test',
    leaseTtlMs: 15_000,
    addCollector: (c) => void collectors.push(c),
    whenReady: Promise.resolve(),
    isReady: () => true,
    isClosed: () => false,
  };
  return { ctx, clock, store, errors, collectors };
}
