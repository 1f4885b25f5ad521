import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { ShadowClient } from '../../src/shadow/client.js';
import type { ShadowResult, ShadowStats } from '../../src/shadow/types.js';
import { makeContext, makeShadow, never, settle } from './helpers.js';

function expectBalanced(s: ShadowStats): void {
  expect(s.mirrored).toBe(s.matched + s.mismatched + s.ignored + s.timeouts + s.inFlight);
  expect(s.calls).toBe(s.mirrored + s.dropped + s.skipped);
}

describe('ShadowClient.call gives back exactly what the primary gave', () => {
  const value = { id: 1 };
  const error = new Error('primary failed');
  const hostileThenable = { get then(): never { throw new Error('then getter'); } };
  const shadows: [string, () => unknown][] = [
    ['throws synchronously', () => { throw new Error('sync'); }],
    ['rejects', () => Promise.reject(new Error('async'))],
    ['hangs', () => never()],
    ['returns garbage', () => hostileThenable],
    ['returns undefined', () => undefined],
    ['rejects with a non-error', () => Promise.reject(null)],
  ];

  it.each(shadows)('resolves with the same object when the shadow %s', async (_n, shadow) => {
    const { client, clock } = makeShadow<number, unknown>({ name: 's', primary: async () => value, shadow, timeoutMs: 100 });
    await expect(client.call(1)).resolves.toBe(value);
    expect(await client.call(2)).toBe(value);
    await settle();
    await clock.advanceAsync(100);
    const s = client.stats();
    expect(s.mirrored).toBe(2);
    expectBalanced(s);
    expect(s.inFlight).toBe(0);
  });

  it.each(shadows)('rejects with the same error when the shadow %s', async (_n, shadow) => {
    const { client, clock } = makeShadow<number, unknown>({ name: 's', primary: () => Promise.reject(error), shadow, timeoutMs: 100 });
    await expect(client.call(1)).rejects.toBe(error);
    await settle();
    await clock.advanceAsync(100);
    expectBalanced(client.stats());
  });

  it('a primary that throws synchronously rejects with that error; a sync value resolves', async () => {
    const { client } = makeShadow<number, unknown>({ name: 's', primary: (x) => { if (x) throw error; return value; }, shadow: () => value });
    await expect(client.call(1)).rejects.toBe(error);
    await expect(client.call(0)).resolves.toBe(value);
    await settle();
    expect(client.stats()).toMatchObject({ mirrored: 2, matched: 1, mismatched: 1, shadowErrors: 0 });
  });

  it('a comparator, listener or redact hook that throws is reported, never thrown', async () => {
    const { client, errors } = makeShadow<number, unknown>({
      name: 'hooks', primary: () => value, shadow: () => value,
      compare: () => { throw new Error('bad comparator'); },
      redact: () => { throw new Error('bad redact'); },
    });
    client.on('result', () => { throw new Error('bad listener'); });
    await expect(client.call(1)).resolves.toBe(value);
    await settle();
    const s = client.stats();
    expect(s).toMatchObject({ mismatched: 1, matched: 0 });
    expect(s.userErrors).toBeGreaterThanOrEqual(3);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/compare threw[\s\S]*redact threw[\s\S]*listener/);
    // a failed redact never leaks the request or the values
    expect(client.mismatches()[0]).toMatchObject({ request: undefined, primary: { durationMs: 0 }, diffs: [{ path: '', kind: 'error' }] });
    expect(client.mismatches()[0]!.primary).not.toHaveProperty('value');
  });

  it('a broken injected clock never breaks the call', async () => {
    for (const broken of ['now', 'setTimeout'] as const) {
      const env = makeContext();
      const clock = { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} };
      clock[broken] = () => { throw new Error(`clock.${broken} broke`); };
      const client = new ShadowClient<number, { v: number }>({ ...env.ctx, clock }, { name: 'clk', primary: (v) => ({ v }), shadow: (v) => ({ v }) }, { flags: env.flags });
      const value = await client.call(1);
      expect(value).toEqual({ v: 1 });
      await settle();
      const s = client.stats();
      expect(s.userErrors).toBeGreaterThan(0);
      expectBalanced(s);
      expect(s.inFlight).toBe(0);
    }
  });

  it('a comparator returning garbage counts as a mismatch', async () => {
    const { client } = makeShadow<number, number>({ name: 'g', primary: () => 1, shadow: () => 1, compare: () => 'nope' as never });
    await client.call(1);
    await settle();
    expect(client.stats()).toMatchObject({ mismatched: 1, userErrors: 1 });
  });
});

describe('ordering: the shadow never delays the primary', () => {
  it('starts the shadow after the primary was invoked, and compares after the caller continued', async () => {
    const log: string[] = [];
    const { client } = makeShadow<number, number>({
      name: 'order',
      primary: (x) => { log.push('primary'); return x; },
      shadow: (x) => { log.push('shadow'); return x; },
      compare: () => { log.push('compare'); return []; },
    });
    const done = client.call(1).then((v) => { log.push(`continued ${v}`); });
    log.push('call returned');
    await done;
    log.push('after await');
    await settle();
    expect(log).toEqual(['primary', 'call returned', 'continued 1', 'after await', 'shadow', 'compare']);
  });

  it('a slow shadow does not hold the result: the call settles while the shadow is pending', async () => {
    const { client, clock } = makeShadow<number, number>({ name: 'slow', primary: (x) => x, shadow: () => never(), timeoutMs: 50 });
    expect(await client.call(7)).toBe(7);
    await settle();
    expect(client.stats().inFlight).toBe(1);
    await clock.advanceAsync(50);
    expect(client.stats()).toMatchObject({ inFlight: 0, timeouts: 1 });
  });
});

describe('timeouts, concurrency and close', () => {
  it('a hung shadow times out on the clock and its late result is ignored', async () => {
    let release!: (v: number) => void;
    const { client, clock } = makeShadow<number, number>({ name: 't', primary: (x) => x, shadow: () => new Promise((r) => (release = r)), timeoutMs: 1000 });
    const results: ShadowResult<number>[] = [];
    client.on('result', (r) => results.push(r));
    await client.call(1);
    await settle();
    await clock.advanceAsync(999);
    expect(client.stats().timeouts).toBe(0);
    await clock.advanceAsync(1);
    expect(client.stats()).toMatchObject({ timeouts: 1, matched: 0, mismatched: 0, inFlight: 0 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'timeout', match: false, shadow: { timedOut: true, durationMs: 1000 } });
    release(1);
    await settle();
    expect(client.stats()).toMatchObject({ timeouts: 1, matched: 0, mismatched: 0 });
    expect(results).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('beyond maxConcurrent in-flight shadows, calls are dropped and counted, never queued', async () => {
    const { client, clock } = makeShadow<number, number>({ name: 'c', primary: (x) => x, shadow: () => never(), maxConcurrent: 3, timeoutMs: 10 });
    for (let i = 0; i < 10; i++) expect(await client.call(i)).toBe(i);
    await settle();
    expect(client.stats()).toMatchObject({ calls: 10, mirrored: 3, dropped: 7, inFlight: 3 });
    await clock.advanceAsync(10);
    for (let i = 0; i < 2; i++) await client.call(i);
    await settle();
    const s = client.stats();
    expect(s).toMatchObject({ mirrored: 5, dropped: 7, timeouts: 3, inFlight: 2 });
    expectBalanced(s);
  });

  it('close() clears pending timeouts, counts in-flight calls as timeouts and keeps serving the primary', async () => {
    const { client, clock } = makeShadow<number, number>({ name: 'close', primary: (x) => x, shadow: () => never() });
    await client.call(1);
    await client.call(2);
    await settle();
    expect(clock.pending()).toBe(2);
    client.close();
    expect(clock.pending()).toBe(0);
    expect(await client.call(3)).toBe(3);
    await settle();
    const s = client.stats();
    expect(s).toMatchObject({ calls: 3, mirrored: 2, timeouts: 2, skipped: 1, inFlight: 0 });
    expectBalanced(s);
  });
});

describe('sampling and switches', () => {
  it('percentage 0 mirrors nothing; random sampling uses the delivery random source', async () => {
    const none = makeShadow<number, number>({ name: 'z', primary: (x) => x, shadow: (x) => x, percentage: 0 });
    for (let i = 0; i < 50; i++) await none.client.call(i);
    expect(none.client.stats()).toMatchObject({ mirrored: 0, skipped: 50 });
    const some = makeShadow<number, number>({ name: 'r', primary: (x) => x, shadow: (x) => x, percentage: 30, maxConcurrent: 10_000 }, 42);
    for (let i = 0; i < 2000; i++) await some.client.call(i);
    await settle();
    const s = some.client.stats();
    expect(s.mirrored).toBeGreaterThan(500);
    expect(s.mirrored).toBeLessThan(700);
    expect(s.matched).toBe(s.mirrored);
  });

  it('sampleBy is deterministic and a key stays in when the percentage grows', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const inAt = async (percentage: number) => {
      const { client } = makeShadow<string, string>({ name: 'det', primary: (x) => x, shadow: (x) => x, percentage, sampleBy: (k) => k, maxConcurrent: 10_000 });
      const mirrored = new Set<string>();
      client.on('result', (r) => mirrored.add(r.request as string));
      for (const k of keys) await client.call(k);
      for (const k of keys) await client.call(k);
      await settle();
      return mirrored;
    };
    const ten = await inAt(10);
    const fifty = await inAt(50);
    expect(ten.size).toBeGreaterThan(20);
    expect(ten.size).toBeLessThan(70);
    for (const k of ten) expect(fifty.has(k)).toBe(true);
    expect(await inAt(10)).toEqual(ten);
  });

  it('enabled, runIf and enabledFlag (with the context function) gate each call', async () => {
    const off = makeShadow<number, number>({ name: 'off', primary: (x) => x, shadow: (x) => x, enabled: false });
    await off.client.call(1);
    expect(off.client.stats()).toMatchObject({ mirrored: 0, skipped: 1 });

    const even = makeShadow<number, number>({ name: 'even', primary: (x) => x, shadow: (x) => x, runIf: (x) => x % 2 === 0 });
    for (let i = 0; i < 6; i++) await even.client.call(i);
    expect(even.client.stats()).toMatchObject({ mirrored: 3, skipped: 3 });

    const env = makeShadow<{ user: string }, string>({
      name: 'flagged', primary: (r) => r.user, shadow: (r) => r.user, enabledFlag: 'shadow-pricing', context: (r) => ({ userId: r.user }),
    });
    await env.client.call({ user: 'a' });
    expect(env.client.stats().mirrored).toBe(0);
    env.flags.on.set('shadow-pricing', (c) => c?.userId === 'b');
    await env.client.call({ user: 'a' });
    await env.client.call({ user: 'b' });
    expect(env.client.stats()).toMatchObject({ mirrored: 1, skipped: 2 });
    env.flags.on.set('shadow-pricing', () => { throw new Error('flag broke'); });
    expect(await env.client.call({ user: 'b' })).toBe('b');
    expect(env.errors.some((e) => /flag broke/.test(e.message))).toBe(true);
  });

  it('enabled as a function decides per call; a throw counts as false, is reported and never reaches the caller', async () => {
    const shadowSaw: number[] = [];
    const { client, errors } = makeShadow<number, number>({
      name: 'enabled-fn', primary: (x) => x, shadow: (x) => { shadowSaw.push(x); return x; },
      enabled: (x) => { if (x === 9) throw new Error('enabled broke'); return x >= 3; },
    });
    for (const x of [0, 1, 2, 3, 4, 5, 9]) expect(await client.call(x)).toBe(x);
    await settle();
    expect(shadowSaw).toEqual([3, 4, 5]);
    const s = client.stats();
    expect(s).toMatchObject({ calls: 7, mirrored: 3, matched: 3, skipped: 4, userErrors: 1 });
    expectBalanced(s);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/enabled broke/);
    expect(() => makeShadow({ name: 'x', primary: (v: number) => v, shadow: (v: number) => v, enabled: 'yes' as never })).toThrow(/enabled/);
  });
});

describe('ignore (Scientist)', () => {
  it('a mismatch an ignore predicate accepts counts as ignored: no mismatch event, not logged; matches are never asked', async () => {
    const compared: number[] = [];
    const asked: number[] = [];
    const { client, collectors } = makeShadow<number, number>({
      name: 'ign', primary: (x) => x, shadow: (x) => (x >= 2 ? x + 1 : x),
      compare: (p, s) => { compared.push(p.value!); return p.value === s.value ? [] : [{ path: '', kind: 'changed', primary: p.value, shadow: s.value }]; },
      // would accept call 1 too, but call 1 matches: as in Scientist, only mismatches are put to ignore
      ignore: (p) => { asked.push(p.value!); return p.value === 3 || p.value === 1; },
    });
    const outcomes: string[] = [];
    const mismatches: number[] = [];
    client.on('result', (r) => outcomes.push(`${r.request} ${r.outcome}`));
    client.on('mismatch', (r) => mismatches.push(r.request as number));
    for (let x = 0; x < 5; x++) expect(await client.call(x)).toBe(x);
    await settle();
    expect(outcomes).toEqual(['0 matched', '1 matched', '2 mismatched', '3 ignored', '4 mismatched']);
    expect(mismatches).toEqual([2, 4]);
    expect(compared).toEqual([0, 1, 2, 3, 4]);
    expect(asked).toEqual([2, 3, 4]);
    expect(client.mismatches().map((r) => r.request)).toEqual([2, 4]);
    const s = client.stats();
    expect(s).toMatchObject({ mirrored: 5, matched: 2, mismatched: 2, ignored: 1, userErrors: 0 });
    expect(s.latency.shadow.count).toBe(5);
    expectBalanced(s);
    const results = collectors.flatMap((c) => c()).find((f) => f.name === 'progressive_delivery_shadow_results_total')!;
    expect(results.samples.find((x) => x.labels.name === 'ign' && x.labels.result === 'ignored')?.value).toBe(1);
  });

  it('a list is checked in order; one that throws counts as false, is reported once and never breaks the primary', async () => {
    const second: number[] = [];
    const { client, errors } = makeShadow<number, { v: number }>({
      name: 'ign-list', primary: async (x) => ({ v: x }), shadow: (x) => { if (x % 2) throw new Error('shadow down'); return { v: x + 1 }; },
      ignore: [
        () => { throw new Error('ignore broke'); },
        (p, s) => { second.push(p.value!.v); return Object.hasOwn(s, 'error'); }, // the shadow erroring is known
      ],
    });
    for (let x = 0; x < 6; x++) expect(await client.call(x)).toEqual({ v: x });
    await settle();
    expect(second).toEqual([0, 1, 2, 3, 4, 5]);
    const s = client.stats();
    expect(s).toMatchObject({ mirrored: 6, ignored: 3, mismatched: 3, matched: 0, shadowErrors: 3, userErrors: 6 });
    expectBalanced(s);
    expect(errors.filter((e) => /ignore threw/.test(e.message))).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(['USER_CODE']);
  });

  it('rejects an ignore that is not a function or a list of functions', () => {
    expect(() => makeShadow({ name: 'x', primary: (v: number) => v, shadow: (v: number) => v, ignore: [() => true, 1 as never] })).toThrow(/ignore/);
    expect(() => makeShadow({ name: 'x', primary: (v: number) => v, shadow: (v: number) => v, ignore: 'x' as never })).toThrow(/ignore/);
  });
});

describe('reporting', () => {
  it('emits result and mismatch, keeps a bounded redacted log and per-side latency', async () => {
    const { client, clock } = makeShadow<{ n: number; secret: string }, { total: number }>({
      name: 'log', mismatchLogSize: 3,
      primary: async (r) => { await new Promise<void>((res) => clock.setTimeout(res, 10)); return { total: r.n }; },
      shadow: async (r) => ({ total: r.n % 2 ? r.n + 1 : r.n }),
      redact: (r) => ({ ...r, request: { ...r.request, secret: '***' } }),
    });
    const seen: string[] = [];
    client.on('result', (r) => seen.push(`result ${r.outcome}`));
    client.on('mismatch', (r) => seen.push(`mismatch ${(r.request as { secret: string }).secret}`));
    for (let n = 0; n < 10; n++) {
      const p = client.call({ n, secret: 'pw' });
      await clock.advanceAsync(10);
      expect(await p).toEqual({ total: n });
    }
    await settle();
    expect(seen.filter((s) => s.startsWith('mismatch'))).toEqual(Array(5).fill('mismatch ***'));
    expect(seen.filter((s) => s.startsWith('result'))).toHaveLength(10);
    const log = client.mismatches();
    expect(log.map((r) => (r.request as { n: number }).n)).toEqual([5, 7, 9]);
    expect(log[2]!.diffs).toEqual([{ path: 'total', kind: 'changed', primary: 9, shadow: 10 }]);
    const s = client.stats();
    expect(s).toMatchObject({ matched: 5, mismatched: 5 });
    expect(s.latency.primary).toMatchObject({ count: 10, p50: 10, p99: 10 });
    expect(s.latency.shadow.count).toBe(10);
  });

  it('registers progressive_delivery_shadow_results_total{name,result}', async () => {
    const { client, collectors } = makeShadow<number, number>({ name: 'prom', primary: (x) => x, shadow: (x) => (x > 1 ? x + 1 : x) });
    for (let i = 0; i < 4; i++) await client.call(i);
    await settle();
    const families = collectors.flatMap((c) => c());
    const results = families.find((f) => f.name === 'progressive_delivery_shadow_results_total')!;
    expect(results.type).toBe('counter');
    const get = (result: string) => results.samples.find((s) => s.labels.result === result && s.labels.name === 'prom')?.value;
    expect([get('matched'), get('mismatched'), get('timeout'), get('dropped')]).toEqual([2, 2, 0, 0]);
  });

  it('rejects bad options listing every problem', () => {
    try {
      makeShadow({ name: '', primary: 1 as never, shadow: undefined as never, percentage: 120, timeoutMs: 0, maxConcurrent: 1.5, enabledFlag: 'bad key', noise: { secondary: 'x' as never, sampleRate: 2 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual([
        'name', 'primary', 'shadow', 'percentage', 'timeoutMs', 'maxConcurrent', 'enabledFlag', 'noise.secondary', 'noise.sampleRate',
      ]);
    }
  });
});
