import { describe, expect, it } from 'vitest';
import { NoiseModel } from '../../src/shadow/noise.js';
import { makeShadow, settle } from './helpers.js';

interface Req { route: string; id: number }
interface Res { id: number; ts: number; items: { sku: string; at: number }[]; price: number }

describe('noise cancellation (secondary primary)', () => {
  it('learns where two primary calls disagree and filters those paths from primary-vs-shadow diffs', async () => {
    let tick = 0;
    const render = (r: Req, price: number): Res => ({ id: r.id, ts: ++tick, items: [{ sku: 'a', at: ++tick }, { sku: 'b', at: ++tick }], price });
    const { client } = makeShadow<Req, Res>({
      name: 'noisy',
      primary: (r) => render(r, 10),
      noise: { secondary: (r) => render(r, 10) },
      shadow: (r) => render(r, r.id === 3 ? 11 : 10),
      endpoint: (r) => r.route,
    });
    for (let id = 0; id < 5; id++) await client.call({ route: 'GET /cart', id });
    await settle();
    const s = client.stats();
    expect(s).toMatchObject({ mirrored: 5, matched: 4, mismatched: 1 });
    expect(client.mismatches()[0]!.diffs).toEqual([{ path: 'price', kind: 'changed', primary: 10, shadow: 11 }]);
    expect(client.mismatches()[0]!.noise.map((d) => d.path)).toEqual(['ts', 'items[0].at', 'items[1].at']);
    expect(s.noise.samples).toBe(5);
    expect(s.noise.filtered).toBe(15);
    expect(s.noise.endpoints).toEqual([
      {
        endpoint: 'GET /cart',
        samples: 5,
        paths: [
          { path: 'ts', disagreements: 5, filtered: 5 },
          { path: 'items[*].at', disagreements: 5, filtered: 10 },
        ],
      },
    ]);
  });

  it('learns per endpoint: noise of one endpoint does not hide diffs of another', async () => {
    let tick = 0;
    const { client } = makeShadow<Req, { v: number }>({
      name: 'ep',
      primary: (r) => ({ v: r.route === 'random' ? ++tick : 1 }),
      noise: { secondary: (r) => ({ v: r.route === 'random' ? ++tick : 1 }) },
      shadow: () => ({ v: 2 }),
      endpoint: (r) => r.route,
    });
    await client.call({ route: 'random', id: 1 });
    await client.call({ route: 'stable', id: 2 });
    await settle();
    expect(client.stats()).toMatchObject({ matched: 1, mismatched: 1 });
    expect(client.mismatches()[0]!.endpoint).toBe('stable');
  });

  it('a secondary that fails or hangs teaches nothing, and a hung secondary does not turn the call into a timeout', async () => {
    let n = 0;
    const { client, clock } = makeShadow<number, { v: number }>({
      name: 'sec',
      primary: () => ({ v: 1 }),
      noise: { secondary: () => (++n === 1 ? Promise.reject(new Error('down')) : new Promise(() => {})) },
      shadow: () => ({ v: 1 }),
      timeoutMs: 100,
    });
    await client.call(1);
    await client.call(2);
    await settle();
    expect(client.stats()).toMatchObject({ matched: 1, inFlight: 1 });
    await clock.advanceAsync(100);
    expect(client.stats()).toMatchObject({ matched: 2, timeouts: 0, inFlight: 0 });
    expect(client.stats().noise).toMatchObject({ samples: 0, endpoints: [] });
  });

  it('sampleRate 0 never calls the secondary', async () => {
    let secondaryCalls = 0;
    const { client } = makeShadow<number, number>({ name: 'r0', primary: (x) => x, shadow: (x) => x, noise: { secondary: (x) => (secondaryCalls++, x), sampleRate: 0 } });
    for (let i = 0; i < 20; i++) await client.call(i);
    await settle();
    expect(secondaryCalls).toBe(0);
    expect(client.stats().matched).toBe(20);
  });

  it('the model is bounded in endpoints and paths', () => {
    const m = new NoiseModel(2, 3);
    for (let e = 0; e < 5; e++) m.learn(`e${e}`, Array.from({ length: 10 }, (_, i) => ({ path: `k${i}`, kind: 'changed' as const })));
    const s = m.stats();
    expect(s.endpoints.map((x) => x.endpoint)).toEqual(['e0', 'e1']);
    expect(s.endpoints.every((x) => x.paths.length === 3)).toBe(true);
    expect(m.filter('e0', [{ path: 'k1.deep[3]', kind: 'added' }, { path: 'k7', kind: 'changed' }]).kept).toEqual([{ path: 'k7', kind: 'changed' }]);
  });
});
