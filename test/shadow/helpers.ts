import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { DeliveryContext } from '../../src/core/context.js';
import type { DeliveryError } from '../../src/core/errors.js';
import { seededRandom } from '../../src/core/random.js';
import type { Collector } from '../../src/core/telemetry.js';
import { ShadowClient } from '../../src/shadow/client.js';
import type { FlagGate, ShadowEvaluationContext, ShadowOptions } from '../../src/shadow/types.js';
import { testContext } from '../helpers/context.js';

/** A real DeliveryContext (memory store, manual clock, seeded random) and a flag gate driven by a map. */
export function makeContext(seed = 1): {
  ctx: DeliveryContext;
  clock: ManualClock;
  errors: DeliveryError[];
  collectors: Collector[];
  flags: FlagGate & { on: Map<string, (c: ShadowEvaluationContext | undefined) => boolean> };
} {
  const { ctx, clock, errors, collectors } = testContext({ clock: createManualClock(1_000), random: seededRandom(seed) });
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
