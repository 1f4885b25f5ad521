// Shared set-up for the rollout tests: a delivery on a manual clock and a memory store, and traffic generators.
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';
import type { Canary } from '../../src/rollout/canary.js';
import type { Analysis, CanaryOptions, CanaryStatus } from '../../src/rollout/types.js';

export const MIN = 60_000;

export interface Env {
  clock: ManualClock;
  store: Store;
  delivery: Delivery;
  errors: unknown[];
}

export async function setup(opts: { clock?: ManualClock; store?: Store; seed?: number } = {}): Promise<Env> {
  const clock = opts.clock ?? createManualClock(1_700_000_000_000);
  const store = opts.store ?? new MemoryStore({ clock });
  const delivery = createDelivery({ clock, store, random: seededRandom(opts.seed ?? 7) });
  const errors: unknown[] = [];
  delivery.on('error', (e) => errors.push(e));
  await delivery.ready();
  return { clock, store, delivery, errors };
}

export type Req = { user: string; beta?: boolean };

/** A canary whose canary handler fails every `failEvery`-th call (0: never). */
export function makeCanary(env: Env, analysis: Partial<Analysis> & Pick<Analysis, 'metrics'>, extra: Partial<CanaryOptions<Req, string>> = {}, failEvery = 0): Canary<Req, string> {
  let canaryCalls = 0;
  return env.delivery.rollouts.canary<Req, string>({
    name: 'checkout',
    stable: () => 'v1',
    canary: () => {
      canaryCalls++;
      if (failEvery > 0 && canaryCalls % failEvery === 0) throw new Error('canary failure');
      return 'v2';
    },
    stickyBy: (r) => r.user,
    analysis: { interval: '1m', threshold: 3, ...analysis } as Analysis,
    ...extra,
  });
}

/** Sends `n` calls from distinct users; swallows the handler's errors (they are recorded). */
export async function traffic(c: Canary<Req, string>, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i++) await c.call({ user: `u${from + i}` }).catch(() => undefined);
}

/** Records every status event of a canary. */
export function watchEvents(c: Canary<Req, string>): { weights: number[]; phases: string[]; events: string[]; last?: CanaryStatus } {
  const out: { weights: number[]; phases: string[]; events: string[]; last?: CanaryStatus } = { weights: [], phases: [], events: [] };
  c.on('weight', (s) => {
    out.weights.push(s.weight);
    out.events.push(`weight:${s.weight}`);
  });
  c.on('phase', (s) => {
    out.phases.push(s.phase);
    out.events.push(`phase:${s.phase}`);
  });
  c.on('promoted', () => out.events.push('promoted'));
  c.on('rolledBack', () => out.events.push('rolledBack'));
  return out;
}

export const successRate = (min: number) => ({ name: 'request-success-rate', thresholdRange: { min } });
