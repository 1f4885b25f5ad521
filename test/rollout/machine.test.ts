import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTerminal, nextWeight, plan, statusEvents, transition, type Input, type IterationResult, type MachineConfig } from '../../src/rollout/machine.js';
import { initialDoc, type RolloutStateDoc } from '../../src/rollout/state-doc.js';

const cfg = (o: Partial<MachineConfig> = {}): MachineConfig => ({
  steps: null,
  stepWeight: 10,
  maxWeight: 50,
  iterations: null,
  threshold: 3,
  consecutiveFailures: null,
  progressDeadlineMs: null,
  ...o,
});
const fresh = (c: MachineConfig): RolloutStateDoc => initialDoc('canary', 'c', null, c.maxWeight, 0, 'test');
const pass: IterationResult = { kind: 'analyse', outcome: 'pass', detail: 'ok' };
const fail: IterationResult = { kind: 'analyse', outcome: 'fail', detail: 'bad' };
const it_ = (result: IterationResult): Input => ({ type: 'iteration', result });

describe('nextWeight and plan', () => {
  it.each([
    [cfg(), 0, 10],
    [cfg(), 40, 50],
    [cfg({ stepWeight: 30 }), 30, 50],
    [cfg({ steps: [1, 5, 10, 25, 50] }), 0, 1],
    [cfg({ steps: [1, 5, 10, 25, 50] }), 10, 25],
    [cfg({ steps: [1, 5, 10, 25, 50] }), 50, 50],
    [cfg({ iterations: 3 }), 0, 0],
  ])('nextWeight %#', (c, w, expected) => {
    expect(nextWeight(w, c)).toBe(expected);
  });

  it('plans start, analyse, promotion candidate, deadline and finalize', () => {
    const c = cfg({ progressDeadlineMs: 1000 });
    const s = fresh(c);
    expect(plan(s, c, 0)).toEqual({ kind: 'start' });
    const p = { ...s, phase: 'Progressing' as const, weight: 50, lastStepTime: 0 };
    expect(plan(p, c, 1000)).toEqual({ kind: 'analyse', promotionCandidate: true });
    expect(plan({ ...p, weight: 40 }, c, 1000)).toEqual({ kind: 'analyse', promotionCandidate: false });
    expect(plan(p, c, 1001)).toEqual({ kind: 'deadline', sinceStepMs: 1001 });
    expect(plan({ ...p, phase: 'WaitingPromotion' }, c, 5000)).toEqual({ kind: 'analyse', promotionCandidate: true });
    expect(plan({ ...p, phase: 'Promoting' }, c, 0)).toEqual({ kind: 'finalize' });
    for (const phase of ['Paused', 'Succeeded', 'Failed'] as const) expect(plan({ ...p, phase }, c, 0).kind).toBe('idle');
  });

  it('an iteration result for another plan changes nothing (a stale iteration is void)', () => {
    const c = cfg();
    const s = fresh(c);
    expect(transition(s, it_(pass), c, 1).changed).toBe(false);
    expect(transition(s, it_({ kind: 'finalize' }), c, 1).changed).toBe(false);
  });

  it('statusEvents lists phase, weight, promoted and rolledBack changes', () => {
    const c = cfg();
    const s = fresh(c);
    expect(statusEvents(s, { ...s, phase: 'Progressing', weight: 10 })).toEqual(['phase', 'weight']);
    expect(statusEvents({ ...s, phase: 'Promoting', weight: 100 }, { ...s, phase: 'Succeeded', weight: 100 })).toEqual(['phase', 'promoted']);
    expect(statusEvents({ ...s, phase: 'Progressing', weight: 20 }, { ...s, phase: 'Failed', weight: 0 })).toEqual(['phase', 'weight', 'rolledBack']);
    expect(statusEvents(s, s)).toEqual([]);
  });

  it("statusEvents puts a kind's position event (switched, ring) where the weight event goes", () => {
    const c = cfg();
    const s = fresh(c);
    const done = { ...s, phase: 'Succeeded' as const, weight: 100 };
    expect(statusEvents(done, { ...done, phase: 'Failed', weight: 0 }, { event: 'switched', moved: true })).toEqual(['phase', 'switched', 'rolledBack']);
    expect(statusEvents(s, { ...s, weight: 3 }, { event: 'ring', moved: false })).toEqual([]);
    expect(statusEvents(done, done, { event: 'switched', moved: true })).toEqual(['switched']);
  });

  it('rollback effects: event, then rollback, then post-rollout, with the analysed weight', () => {
    const c = cfg({ threshold: 1 });
    const s = { ...fresh(c), phase: 'Progressing' as const, weight: 30 };
    const t = transition(s, it_(fail), c, 5);
    expect(t.state).toMatchObject({ phase: 'Failed', weight: 0, failedChecks: 1, generation: 1, lastTransitionTime: 5 });
    expect(t.effects.map((e) => [e.hook, e.phase, e.weight])).toEqual([
      ['event', 'Failed', 30],
      ['rollback', 'Failed', 30],
      ['post-rollout', 'Failed', 30],
    ]);
  });
});

// ---- property test: random sequences of metric outcomes and manual actions ----

type Step = { kind: 'iterate'; outcome: 'pass' | 'fail' | 'hold'; gateFails: boolean; hookFails: boolean; dt: number } | { kind: 'action'; action: 'promote' | 'abort' | 'pause' | 'resume'; dt: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('iterate' as const), outcome: fc.constantFrom('pass' as const, 'fail' as const, 'hold' as const), gateFails: fc.boolean(), hookFails: fc.boolean(), dt: fc.integer({ min: 0, max: 120_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('action' as const), action: fc.constantFrom('promote' as const, 'abort' as const, 'pause' as const, 'resume' as const), dt: fc.integer({ min: 0, max: 60_000 }) }) },
);

const configArb: fc.Arbitrary<MachineConfig> = fc
  .record({
    mode: fc.constantFrom('step', 'steps', 'iterations'),
    stepWeight: fc.integer({ min: 1, max: 60 }),
    maxWeight: fc.integer({ min: 1, max: 100 }),
    threshold: fc.integer({ min: 1, max: 6 }),
    consecutive: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
    deadline: fc.option(fc.integer({ min: 30_000, max: 300_000 }), { nil: null }),
    iterations: fc.integer({ min: 1, max: 5 }),
  })
  .map((r) => {
    const steps = r.mode === 'steps' ? [...new Set([Math.ceil(r.maxWeight / 4), Math.ceil(r.maxWeight / 2), r.maxWeight])].sort((a, b) => a - b) : null;
    return cfg({
      steps,
      stepWeight: r.stepWeight,
      maxWeight: r.mode === 'iterations' ? 100 : r.maxWeight,
      iterations: r.mode === 'iterations' ? r.iterations : null,
      threshold: r.threshold,
      consecutiveFailures: r.consecutive,
      progressDeadlineMs: r.deadline,
    });
  });

function resultFor(s: RolloutStateDoc, c: MachineConfig, now: number, step: Extract<Step, { kind: 'iterate' }>): IterationResult | undefined {
  const p = plan(s, c, now);
  switch (p.kind) {
    case 'idle':
      return undefined;
    case 'start':
      return { kind: 'start', gatesFailed: step.gateFails ? ['gate'] : [], hooksFailed: step.hookFails ? ['pre'] : [] };
    case 'deadline':
      return { kind: 'deadline', sinceStepMs: p.sinceStepMs };
    case 'finalize':
      return { kind: 'finalize' };
    case 'analyse':
      return p.promotionCandidate && step.outcome === 'pass'
        ? { kind: 'analyse', outcome: 'pass', detail: '', promotionGatesFailed: step.gateFails ? ['approve'] : [] }
        : { kind: 'analyse', outcome: step.outcome, detail: '' };
  }
}

describe('machine invariants (property)', () => {
  it('weight within [0, maxWeight] until promotion; terminal states absorb; failedChecks never decreases; rollback exactly at the threshold', () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { maxLength: 60 }), (c, steps) => {
        let s = fresh(c);
        let now = 0;
        for (const step of steps) {
          now += step.dt;
          const prev = s;
          let input: Input;
          let planKind = plan(prev, c, now).kind;
          if (step.kind === 'action') input = { type: 'action', action: step.action };
          else {
            const r = resultFor(prev, c, now, step);
            input = it_(r ?? { kind: 'finalize' });
          }
          const t = transition(prev, input, c, now);
          s = t.state;

          if (s.phase !== 'Promoting' && s.phase !== 'Succeeded') expect(s.weight).toBeGreaterThanOrEqual(0);
          if (s.phase !== 'Promoting' && s.phase !== 'Succeeded') expect(s.weight).toBeLessThanOrEqual(c.maxWeight);
          if (s.phase === 'Promoting' || s.phase === 'Succeeded') expect(s.weight).toBe(100);
          if (s.phase === 'Failed') expect(s.weight).toBe(0);
          if (c.iterations !== null && s.phase !== 'Promoting' && s.phase !== 'Succeeded') expect(s.weight).toBe(0);
          if (isTerminal(prev.phase)) {
            expect(t.changed).toBe(false);
            expect(s).toBe(prev);
          }
          expect(s.failedChecks).toBeGreaterThanOrEqual(prev.failedChecks);
          expect(s.failedChecks).toBeLessThanOrEqual(c.threshold);
          expect(s.generation).toBe(prev.generation + (t.changed ? 1 : 0));
          const rolledBack = s.phase === 'Failed' && prev.phase !== 'Failed';
          if (input.type === 'iteration' && planKind !== 'deadline') {
            const consecutiveHit = c.consecutiveFailures !== null && s.consecutiveFailed >= c.consecutiveFailures && s.failedChecks > prev.failedChecks;
            // rollback happens exactly in the iteration that reaches the threshold (or the consecutive limit)
            expect(rolledBack).toBe((s.failedChecks >= c.threshold && prev.failedChecks < c.threshold) || consecutiveHit);
          }
          if (input.type === 'iteration' && planKind === 'deadline') expect(rolledBack).toBe(true);
          if (input.type === 'action' && input.action === 'abort' && !isTerminal(prev.phase)) expect(rolledBack).toBe(true);
          if (prev.phase === 'Progressing' && s.phase === 'Progressing' && input.type === 'iteration') expect(s.weight).toBeGreaterThanOrEqual(prev.weight);
          if (rolledBack) expect(t.effects.map((e) => e.hook)).toEqual(['event', 'rollback', 'post-rollout']);
          planKind = 'idle';
        }
      }),
      { numRuns: 400 },
    );
  });

  it('without failures a weighted canary visits every step once, in order, then promotes', () => {
    fc.assert(
      fc.property(configArb.filter((c) => c.iterations === null), (c) => {
        let s = fresh(c);
        const weights: number[] = [];
        for (let i = 0; i < 200 && s.phase !== 'Succeeded'; i++) {
          const r = resultFor(s, c, i, { kind: 'iterate', outcome: 'pass', gateFails: false, hookFails: false, dt: 0 })!;
          s = transition(s, it_(r), c, i).state;
          if (weights.at(-1) !== s.weight) weights.push(s.weight);
        }
        const expected: number[] = [];
        for (let w = nextWeight(0, c); ; w = nextWeight(w, c)) {
          expected.push(w);
          if (w >= c.maxWeight) break;
        }
        expect(weights).toEqual(expected.at(-1) === 100 ? expected : [...expected, 100]);
        expect(s.phase).toBe('Succeeded');
      }),
      { numRuns: 200 },
    );
  });
});
