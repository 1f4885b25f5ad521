import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { DeliveryContext } from '../../src/core/context.js';
import type { DeliveryError } from '../../src/core/errors.js';
import { safeLogger } from '../../src/core/logger.js';
import { seededRandom } from '../../src/core/random.js';
import { ErrorReporter } from '../../src/core/report.js';
import type { Collector } from '../../src/core/telemetry.js';
import { MemoryStore } from '../../src/store/memory.js';
import { ShadowClient } from '../../src/shadow/client.js';
import type { FlagGate, ShadowEvaluationContext, ShadowOptions } from '../../src/shadow/types.js';

/** A real DeliveryContext (memory store, manual clock, seeded random) and a flag gate driven by a map. */
export function makeContext(seed = 1): {
  ctx: DeliveryContext;
  clock: ManualClock;
  errors: DeliveryError[];
  collectors: Collector[];
  flags: FlagGate & { on: Map<string, (c: ShadowEvaluationContext | undefined) => boolean> };
} {
  const clock = createManualClock(1_000);
  const errors: DeliveryError[] = [];
  const collectors: Collector[] = [];
  const ctx: DeliveryContext = {
    store: new MemoryStore({ clock }),
    clock,
    logger: safeLogger(),
    reporter: new ErrorReporter((e) => errors.push(e), safeLogger()),
    random: seededRandom(seed),
    instanceId: 'test',
    leaseTtlMs: 15_000,
    addCollector: (c) => void collectors.push(c),
    whenReady: Promise.resolve(),
    isReady: () => true,
    isClosed: () => false,
  };
  const on = new Map<string, (c: ShadowEvaluationContext | undefined) => boolean>();
  const flags = { on, isEnabled: (key: string, c?: ShadowEvaluationContext) => on.get(key)?.(c) ?? false };
  return { ctx, clock, errors, collectors, flags };
}

export function makeShadow<Req, Res>(options: ShadowOptions<Req, Res>, seed = 1) {
  const env = makeContext(seed);
  const client = new ShadowClient<Req, Res>(env.ctx, options, { flags: env.flags });
  return { ...env, client };
}

/** Lets setImmediate-scheduled work (shadow start, decisions) run, with the manual clock standing still. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A promise that never settles. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}
