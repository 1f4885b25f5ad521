// delivery.rollouts.status() and the Prometheus gauges over every kind of rollout; the store view of them.
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { GuardedRollout, RingRollout } from '../../src/index.js';
import type { BlueGreen } from '../../src/rollout/blue-green.js';
import type { RolloutStatus } from '../../src/rollout/types.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { listRolloutStates } from '../../src/rollout/state.js';
import { MIN, setup, type Env } from './helpers.js';

let env: Env | undefined;
afterEach(async () => {
  await env?.delivery.close();
  env = undefined;
});

const okMetric = { name: 'ok', thresholdRange: { min: 1 }, query: () => 1 };

async function fleetOfKinds(e: Env) {
  const d = e.delivery;
  await d.flags.put(booleanFlag('new-checkout-flow'));
  const canary = d.rollouts.canary<number, number>({ name: 'checkout', stable: (x) => x, canary: (x) => x, analysis: { interval: '1m', threshold: 2, stepWeight: 20, metrics: [okMetric] } });
  const bg = d.rollouts.blueGreen<number, number>({ name: 'api', blue: (x) => x, green: (x) => x, preSwitch: [{ name: 'smoke', run: () => false }] });
  const rings = d.rollouts.rings<number, number>({
    name: 'search',
    stable: (x) => x,
    next: (x) => x,
    rings: [{ name: 'internal', audience: [{ attribute: 'groups', operator: 'in', values: ['employees'] }] }, { name: 'everyone', percentage: 100 }],
    context: (x) => ({ userId: String(x) }),
  });
  const guarded = d.rollouts.guardedFlag({ flag: 'new-checkout-flow', steps: [10, 50], analysis: { interval: '1m', threshold: 2, metrics: [okMetric] } });
  return { canary, bg, rings, guarded };
}

describe('rollouts.status()', () => {
  it('lists every canary, blue-green, ring and guarded rollout, sorted by name, with its kind-specific fields', async () => {
    env = await setup();
    const { canary, bg, rings, guarded } = await fleetOfKinds(env);
    await canary.runAnalysis();
    await expect(bg.switch()).rejects.toThrow(/smoke/);
    await rings.advance();
    await guarded.runAnalysis();
    expect(env.delivery.rollouts.status()).toEqual([
      { name: 'api', kind: 'blueGreen', phase: 'Initialized', failedChecks: 0, active: 'blue', message: expect.stringContaining("switch to green refused, 1 preSwitch check failed: smoke (check 'smoke' returned false)") },
      { name: 'checkout', kind: 'canary', phase: 'Progressing', weight: 20, failedChecks: 0, message: 'advanced to weight 20' },
      { name: 'new-checkout-flow', kind: 'guardedFlag', phase: 'Progressing', weight: 10, failedChecks: 0, message: 'advanced to weight 10' },
      { name: 'search', kind: 'rings', phase: 'Progressing', failedChecks: 0, ring: 'internal', message: "ring 'internal' open (1 of 2)" },
    ]);
  });

  it('exports the weight of canaries and guarded flags, every phase, the blue-green side and the open ring', async () => {
    env = await setup();
    const { canary, bg, rings, guarded } = await fleetOfKinds(env);
    await canary.runAnalysis();
    await rings.advance();
    await guarded.runAnalysis();
    await guarded.runAnalysis();
    await bg.load();
    const text = env.delivery.metrics.prometheus();
    const lines = text.split('\n').filter((l) => /^progressive_delivery_(canary|rollout)_/.test(l));
    expect(lines.filter((l) => l.startsWith('progressive_delivery_canary_weight')).sort()).toEqual([
      'progressive_delivery_canary_weight{name="checkout"} 20',
      'progressive_delivery_canary_weight{name="new-checkout-flow"} 50',
    ]);
    expect(lines.filter((l) => l.startsWith('progressive_delivery_canary_phase') && l.endsWith(' 1')).sort()).toEqual([
      'progressive_delivery_canary_phase{name="api",phase="Initialized"} 1',
      'progressive_delivery_canary_phase{name="checkout",phase="Progressing"} 1',
      'progressive_delivery_canary_phase{name="new-checkout-flow",phase="Progressing"} 1',
      'progressive_delivery_canary_phase{name="search",phase="Progressing"} 1',
    ]);
    expect(lines.filter((l) => l.startsWith('progressive_delivery_rollout_'))).toEqual([
      'progressive_delivery_rollout_active_side{name="api",side="blue"} 1',
      'progressive_delivery_rollout_active_side{name="api",side="green"} 0',
      'progressive_delivery_rollout_ring{name="search",ring="internal"} 1',
      'progressive_delivery_rollout_ring{name="search",ring="everyone"} 0',
    ]);
    expect(text).toContain('# TYPE progressive_delivery_rollout_active_side gauge');
    expect(text).toContain('# TYPE progressive_delivery_rollout_ring gauge');
  });

  it('the store lists every kind for the CLI and admin views; names are unique across kinds', async () => {
    env = await setup();
    const { canary } = await fleetOfKinds(env);
    await canary.runAnalysis();
    await env.clock.advanceAsync(MIN);
    const states = await listRolloutStates(env.store);
    expect(states.map((s) => [s.name, s.kind])).toEqual([
      ['api', 'blueGreen'],
      ['checkout', 'canary'],
      ['new-checkout-flow', 'guardedFlag'],
      ['search', 'rings'],
    ]);
    expect(states.find((s) => s.kind === 'blueGreen')?.data).toEqual({ from: 'blue', to: 'blue', switches: 0 });
    expect(() => env!.delivery.rollouts.rings<number, number>({ name: 'api', stable: (x) => x, next: (x) => x, rings: [{ name: 'a', percentage: 1 }], context: () => ({}) })).toThrow(/a rollout named 'api' already exists/);
    // a name already used by another kind in the store is refused on load
    const other = await setup({ store: env.store, clock: env.clock });
    try {
      const clash = other.delivery.rollouts.rings<number, number>({ name: 'checkout', stable: (x) => x, next: (x) => x, rings: [{ name: 'a', percentage: 1 }], context: () => ({}) });
      await expect(clash.load()).rejects.toThrow(/'checkout' is already a canary rollout in the store/);
    } finally {
      await other.delivery.close();
    }
  });

  it('types: handlers fix Req and Res; status() shapes per kind', async () => {
    env = await setup();
    const { bg, rings, guarded } = await fleetOfKinds(env);
    expectTypeOf(bg).toEqualTypeOf<BlueGreen<number, number>>();
    expectTypeOf(bg.call).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(bg.call).returns.resolves.toEqualTypeOf<number>();
    expectTypeOf(bg.active()).toEqualTypeOf<'blue' | 'green'>();
    expectTypeOf(rings).toEqualTypeOf<RingRollout<number, number>>();
    expectTypeOf(rings.route).returns.toEqualTypeOf<'stable' | 'next'>();
    expectTypeOf(rings.status()).toMatchTypeOf<RolloutStatus & { ring?: string }>();
    expectTypeOf(guarded).toEqualTypeOf<GuardedRollout>();
    expectTypeOf(guarded.runAnalysis).returns.resolves.toEqualTypeOf<RolloutStatus>();
    expectTypeOf(env.delivery.rollouts.status()).toEqualTypeOf<RolloutStatus[]>();
  });
});
