import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, chooseVariant, compileExperiment, compileExperiments, assignCompiled, layerSlices } from '../../src/experiments/assign.js';
import type { ExperimentDefinition } from '../../src/experiments/types.js';

const def = (over: Partial<ExperimentDefinition> = {}): ExperimentDefinition => ({
  key: 'btn',
  variants: [
    { key: 'a', weight: 1 },
    { key: 'b', weight: 1 },
  ],
  ...over,
});
const users = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('assign: statuses', () => {
  it('draft: no variant', () => {
    expect(assign(def({ status: 'draft' }), { userId: 'u1' })).toEqual({ experiment: 'btn', inExperiment: false, reason: 'DRAFT' });
  });
  it('stopped with a winner: the winner for everyone, not in the experiment', () => {
    for (const u of users(50)) {
      expect(assign(def({ status: 'stopped', winner: 'b' }), { userId: u })).toEqual({ experiment: 'btn', variant: 'b', inExperiment: false, reason: 'WINNER' });
    }
    expect(assign(def({ status: 'stopped', winner: 'b' }), {})).toMatchObject({ variant: 'b' });
  });
  it('stopped without a winner: nothing', () => {
    expect(assign(def({ status: 'stopped' }), { userId: 'u1' })).toEqual({ experiment: 'btn', inExperiment: false, reason: 'STOPPED' });
  });
  it('running without the unit attribute: MISSING_UNIT', () => {
    expect(assign(def(), {}).reason).toBe('MISSING_UNIT');
    expect(assign(def(), { userId: '' }).reason).toBe('MISSING_UNIT');
    expect(assign(def({ bucketBy: 'deviceId' }), { userId: 'u1' }).reason).toBe('MISSING_UNIT');
    expect(assign(def({ bucketBy: 'deviceId' }), { deviceId: 'd1' }).inExperiment).toBe(true);
  });
  it('reads only own properties', () => {
    const ctx = Object.create({ userId: 'inherited' }) as Record<string, string>;
    expect(assign(def(), ctx).reason).toBe('MISSING_UNIT');
    expect(assign(def({ bucketBy: '__proto__' }), JSON.parse('{"__proto__":"x"}')).inExperiment).toBe(true);
  });
});

describe('assign: splits', () => {
  it('is deterministic and follows the weights', () => {
    const d = def({ variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 2 }, { key: 'c', weight: 1 }] });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (const u of users(40_000)) {
      const x = assign(d, { userId: u });
      expect(x.inExperiment).toBe(true);
      counts[x.variant!]!++;
      if (u.endsWith('7')) expect(assign(d, { userId: u })).toEqual(x);
    }
    expect(counts.a! / 40_000).toBeCloseTo(0.25, 1);
    expect(counts.b! / 40_000).toBeCloseTo(0.5, 1);
    expect(Math.abs(counts.b! / 40_000 - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(counts.c! / 40_000 - 0.25)).toBeLessThan(0.015);
  });

  it('traffic allocation lets in the given share, and growing it only adds units', () => {
    const at = (p: number) => new Set(users(20_000).filter((u) => assign(def({ trafficAllocation: p }), { userId: u }).inExperiment));
    const ten = at(10);
    const thirty = at(30);
    expect(Math.abs(ten.size / 20_000 - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(thirty.size / 20_000 - 0.3)).toBeLessThan(0.015);
    for (const u of ten) expect(thirty.has(u)).toBe(true);
    expect(at(0).size).toBe(0);
    expect(assign(def({ trafficAllocation: 0 }), { userId: 'u1' }).reason).toBe('TRAFFIC_ALLOCATION');
  });

  it('the variant does not depend on the traffic allocation', () => {
    for (const u of users(2000)) {
      const small = assign(def({ trafficAllocation: 40 }), { userId: u });
      if (small.inExperiment) expect(small.variant).toBe(assign(def(), { userId: u }).variant);
    }
  });

  it('different salts give independent splits', () => {
    let same = 0;
    for (const u of users(10_000)) if (assign(def({ salt: 's1' }), { userId: u }).variant === assign(def({ salt: 's2' }), { userId: u }).variant) same++;
    expect(Math.abs(same / 10_000 - 0.5)).toBeLessThan(0.03);
  });
});

describe('assign: weight changes keep units in place', () => {
  const weights = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 5 });
  it('raising one weight only moves units into that variant; lowering only moves units out of it (property)', () => {
    fc.assert(
      fc.property(weights, fc.nat(), fc.integer({ min: 1, max: 300 }), (ws, pick, newWeight) => {
        const k = pick % ws.length;
        const before = compileExperiment({ key: 'e', variants: ws.map((w, i) => ({ key: `v${i}`, weight: w })) });
        const after = compileExperiment({ key: 'e', variants: ws.map((w, i) => ({ key: `v${i}`, weight: i === k ? newWeight : w })) });
        for (const u of users(300)) {
          const b = chooseVariant(before, u);
          const a = chooseVariant(after, u);
          if (a === b) continue;
          if (newWeight > ws[k]!) expect(a).toBe(k);
          else expect(b).toBe(k);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('moves about the minimum share: 50/50 -> 20/80 moves ~30% of units, all from a to b', () => {
    const before = def();
    const after = def({ variants: [{ key: 'a', weight: 20 }, { key: 'b', weight: 80 }] });
    let moved = 0;
    for (const u of users(20_000)) {
      const x = assign(before, { userId: u }).variant;
      const y = assign(after, { userId: u }).variant;
      if (x !== y) {
        moved++;
        expect([x, y]).toEqual(['a', 'b']);
      }
    }
    expect(Math.abs(moved / 20_000 - 0.3)).toBeLessThan(0.015);
  });

  it('adding a variant only takes units from the others; removing one only re-homes its own', () => {
    const two = def();
    const three = def({ variants: [...def().variants, { key: 'c', weight: 1 }] });
    for (const u of users(3000)) {
      const x = assign(two, { userId: u }).variant;
      const y = assign(three, { userId: u }).variant;
      if (x !== y) expect(y).toBe('c');
    }
  });
});

describe('assign: layers', () => {
  it('slices are laid out by key and never overlap', () => {
    const s = layerSlices([
      def({ key: 'z', layer: 'L', trafficAllocation: 30 }),
      def({ key: 'a', layer: 'L', trafficAllocation: 50 }),
      def({ key: 'm', layer: 'L', trafficAllocation: 40 }),
    ]);
    expect(s.get('a')).toEqual({ start: 0, end: 50_000 });
    expect(s.get('m')).toEqual({ start: 50_000, end: 90_000 });
    expect(s.get('z')).toEqual({ start: 90_000, end: 100_000 });
  });

  it('no unit is ever in two experiments of one layer (property)', () => {
    const experiment = fc.record({ alloc: fc.double({ min: 0, max: 100, noNaN: true }), salt: fc.constantFrom(undefined, 's1', 's2'), weights: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(experiment, { minLength: 2, maxLength: 6 }), fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 50, maxLength: 150 }), (exps, units) => {
        const defs: ExperimentDefinition[] = exps.map((e, i) => ({
          key: `exp${i}`,
          layer: 'home',
          trafficAllocation: e.alloc,
          ...(e.salt ? { salt: e.salt } : {}),
          variants: e.weights.map((w, j) => ({ key: `v${j}`, weight: w })),
        }));
        const compiled = compileExperiments(defs);
        for (const u of units) {
          const inside = defs.filter((d) => assignCompiled(compiled.get(d.key)!, { userId: u }).inExperiment);
          expect(inside.length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('shares the layer by allocation; an experiment outside the layer is independent', () => {
    const defs = [def({ key: 'a', layer: 'L', trafficAllocation: 50 }), def({ key: 'b', layer: 'L', trafficAllocation: 50 }), def({ key: 'free' })];
    const compiled = compileExperiments(defs);
    let inA = 0;
    let inB = 0;
    for (const u of users(10_000)) {
      const a = assignCompiled(compiled.get('a')!, { userId: u }).inExperiment;
      const b = assignCompiled(compiled.get('b')!, { userId: u }).inExperiment;
      expect(a && b).toBe(false);
      expect(a || b).toBe(true);
      expect(assignCompiled(compiled.get('free')!, { userId: u }).inExperiment).toBe(true);
      if (a) inA++;
      if (b) inB++;
    }
    expect(Math.abs(inA / 10_000 - 0.5)).toBeLessThan(0.02);
    expect(inA + inB).toBe(10_000);
    expect(assignCompiled(compiled.get('a')!, { userId: 'x' }).reason).toMatch(/ASSIGNED|LAYER/);
  });
});
