// The canary state machine as pure functions: plan(state) says what an iteration needs, transition(state, input)
// gives the next state and the effects (notification hooks) to run after the write succeeds. No I/O, no clock:
// `now` is an argument. The shell (controller.ts) runs the hooks and metrics a plan asks for and writes with CAS.
import type { CanaryPhase, RolloutAction, WebhookType } from './types.js';
import { NEW_ANALYSIS, type RolloutStateDoc } from './state-doc.js';
import type { IterationOutcome } from './analysis.js';

/** The analysis settings the machine needs (resolved from CanaryOptions by validate.ts). */
export interface MachineConfig {
  /** Explicit weights (stepWeights), or null to add `stepWeight`. */
  steps: number[] | null;
  stepWeight: number;
  maxWeight: number;
  /** A/B mode: promote after this many passing iterations, weight stays 0. */
  iterations: number | null;
  threshold: number;
  consecutiveFailures: number | null;
  progressDeadlineMs: number | null;
}

/** What the next iteration has to do. */
export type Plan =
  | { kind: 'idle'; reason: string }
  /** Initialized: 'confirm-rollout' gates, then 'pre-rollout' hooks, then the first step. */
  | { kind: 'start' }
  /** Progressing / WaitingPromotion: 'rollout' hooks and metrics; 'confirm-promotion' gates when `promotionCandidate` and all pass. */
  | { kind: 'analyse'; promotionCandidate: boolean }
  /** Progressing without a step for longer than progressDeadline. */
  | { kind: 'deadline'; sinceStepMs: number }
  /** Promoting: 'post-rollout' hooks, then Succeeded. */
  | { kind: 'finalize' };

/** What the shell found while carrying out a plan. */
export type IterationResult =
  | { kind: 'start'; gatesFailed: string[]; hooksFailed: string[] }
  | { kind: 'analyse'; outcome: IterationOutcome; detail: string; promotionGatesFailed?: string[] }
  | { kind: 'deadline'; sinceStepMs: number }
  | { kind: 'finalize' };

export type Input =
  | { type: 'iteration'; result: IterationResult }
  | { type: 'action'; action: RolloutAction; reason?: string | null }
  | { type: 'restart'; revision: string | null };

/** A notification hook to run after the new state is written. */
export interface Effect {
  hook: Extract<WebhookType, 'rollback' | 'post-rollout' | 'event'>;
  /** The phase in the payload. */
  phase: CanaryPhase;
  /** The weight analysed (before the transition). */
  weight: number;
  failedChecks: number;
  message: string;
  previousPhase: CanaryPhase;
}

export interface Transition {
  state: RolloutStateDoc;
  effects: Effect[];
  changed: boolean;
}

const TERMINAL: ReadonlySet<CanaryPhase> = new Set(['Succeeded', 'Failed']);

/** True for Succeeded and Failed: nothing but a new revision leaves them. */
export const isTerminal = (phase: CanaryPhase): boolean => TERMINAL.has(phase);

/** The weight after `weight` on a passing iteration (capped at maxWeight). */
export function nextWeight(weight: number, cfg: MachineConfig): number {
  if (cfg.iterations !== null) return 0;
  if (cfg.steps) {
    for (const s of cfg.steps) if (s > weight) return Math.min(s, cfg.maxWeight);
    return cfg.maxWeight;
  }
  return Math.min(weight + cfg.stepWeight, cfg.maxWeight);
}

/** The next iteration's plan for `s` at `now`. */
export function plan(s: RolloutStateDoc, cfg: MachineConfig, now: number): Plan {
  switch (s.phase) {
    case 'Paused':
    case 'Succeeded':
    case 'Failed':
      return { kind: 'idle', reason: `${s.phase}: nothing to do` };
    case 'Initialized':
      return { kind: 'start' };
    case 'Promoting':
      return { kind: 'finalize' };
    case 'Progressing':
    case 'WaitingPromotion':
      if (s.phase === 'Progressing' && cfg.progressDeadlineMs !== null && now - s.lastStepTime > cfg.progressDeadlineMs) {
        return { kind: 'deadline', sinceStepMs: now - s.lastStepTime };
      }
      return {
        kind: 'analyse',
        promotionCandidate: cfg.iterations !== null ? s.passedIterations + 1 >= cfg.iterations : s.weight >= cfg.maxWeight,
      };
  }
}

/** Whether `action` can apply in `phase`; the reason when it cannot. */
export function actionRefusal(phase: CanaryPhase, action: RolloutAction): string | undefined {
  if (isTerminal(phase)) return `the rollout is ${phase}: nothing to ${action}`;
  if (action === 'pause' && (phase === 'Paused' || phase === 'Promoting')) return `the rollout is ${phase}: it cannot be paused`;
  if (action === 'resume' && phase !== 'Paused') return `the rollout is ${phase}, not Paused: nothing to resume`;
  return undefined;
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

/** Applies `input` to `s`. Pure: `s` is not modified. */
export function transition(s: RolloutStateDoc, input: Input, cfg: MachineConfig, now: number): Transition {
  const effects: Effect[] = [];
  const next: RolloutStateDoc = { ...s };
  const to = (phase: CanaryPhase, message: string): void => {
    if (phase !== next.phase) {
      effects.push({ hook: 'event', phase, weight: s.weight, failedChecks: next.failedChecks, message, previousPhase: next.phase });
      next.phase = phase;
      next.lastTransitionTime = now;
    }
    next.message = message;
  };
  const rollback = (message: string): void => {
    to('Failed', message);
    next.weight = 0;
    next.pausedFrom = null;
    const base = { weight: s.weight, failedChecks: next.failedChecks, message, previousPhase: s.phase };
    effects.push({ hook: 'rollback', phase: 'Failed', ...base }, { hook: 'post-rollout', phase: 'Failed', ...base });
  };
  const promote = (message: string): void => {
    to('Promoting', message);
    next.weight = 100;
    next.pausedFrom = null;
  };
  const failIteration = (what: string): void => {
    next.failedChecks += 1;
    next.consecutiveFailed += 1;
    if (next.failedChecks >= cfg.threshold) {
      rollback(`${what}; failed checks ${next.failedChecks} reached threshold ${cfg.threshold}: rolled back`);
    } else if (cfg.consecutiveFailures !== null && next.consecutiveFailed >= cfg.consecutiveFailures) {
      rollback(`${what}; ${next.consecutiveFailed} failed iterations in a row (consecutiveFailures ${cfg.consecutiveFailures}): rolled back`);
    } else {
      next.message = `${what}; failed checks ${next.failedChecks}/${cfg.threshold}: holding at weight ${next.weight}`;
    }
  };

  if (input.type === 'restart') {
    Object.assign(next, {
      revision: input.revision,
      weight: 0,
      ...NEW_ANALYSIS,
      pausedFrom: null,
      lastStepTime: now,
      lastAnalysisTime: null,
      requestedAction: null,
    });
    to('Initialized', `revision ${input.revision ?? '(none)'}: analysis restarted`);
  } else if (input.type === 'action') {
    const refusal = actionRefusal(s.phase, input.action);
    if (refusal) return { state: s, effects: [], changed: false };
    const reason = input.reason ? `: ${input.reason}` : '';
    if (input.action === 'promote') promote(`promoted manually${reason}`);
    else if (input.action === 'abort') rollback(`aborted${input.reason ? `: ${input.reason}` : ''}`);
    else if (input.action === 'pause') {
      next.pausedFrom = s.phase;
      to('Paused', `paused${reason}`);
    } else {
      next.lastStepTime = now;
      next.pausedFrom = null;
      to(s.pausedFrom ?? 'Progressing', `resumed${reason}`);
    }
  } else {
    const r = input.result;
    const p = plan(s, cfg, now);
    if (p.kind === 'idle' || p.kind !== r.kind) return { state: s, effects: [], changed: false };
    next.lastAnalysisTime = now;
    if (r.kind === 'finalize') {
      next.weight = 100;
      to('Succeeded', 'promoted: the canary serves all traffic');
    } else if (r.kind === 'deadline') {
      next.iteration += 1;
      rollback(`no progress for ${seconds(r.sinceStepMs)} (progressDeadline ${seconds(cfg.progressDeadlineMs ?? 0)}): rolled back`);
    } else if (r.kind === 'start') {
      next.iteration += 1;
      if (r.gatesFailed.length) {
        next.message = `waiting for confirm-rollout: ${r.gatesFailed.join(', ')}`;
      } else if (r.hooksFailed.length) {
        failIteration(`pre-rollout failed: ${r.hooksFailed.join(', ')}`);
      } else {
        next.weight = cfg.iterations !== null ? 0 : nextWeight(0, cfg);
        next.lastStepTime = now;
        next.consecutiveFailed = 0;
        to('Progressing', cfg.iterations !== null ? `iteration 0/${cfg.iterations}: analysing` : `advanced to weight ${next.weight}`);
      }
    } else if (r.kind === 'analyse') {
      next.iteration += 1;
      if (r.outcome === 'fail') failIteration(r.detail);
      else if (r.outcome === 'hold') next.message = `${r.detail}: holding at weight ${next.weight}`;
      else {
        next.consecutiveFailed = 0;
        if (cfg.iterations !== null) {
          next.passedIterations += 1;
          next.lastStepTime = now;
        }
        const candidate = p.kind === 'analyse' && p.promotionCandidate;
        if (!candidate) {
          next.weight = nextWeight(s.weight, cfg);
          next.lastStepTime = now;
          next.message = cfg.iterations !== null ? `iteration ${next.passedIterations}/${cfg.iterations} passed` : `advanced to weight ${next.weight}`;
        } else if (r.promotionGatesFailed?.length) {
          to('WaitingPromotion', `waiting for confirm-promotion: ${r.promotionGatesFailed.join(', ')}`);
        } else {
          promote('analysis passed: promoting');
        }
      }
    }
  }
  const changed = effects.length > 0 || JSON.stringify(next) !== JSON.stringify(s);
  if (changed) next.generation = s.generation + 1;
  return { state: next, effects, changed };
}

/**
 * The events a status change means for listeners on every instance, in emit order: 'phase', the position event
 * ('weight' when the weight changed, or `position.event` when `position.moved`: a blue-green's 'switched', a ring
 * rollout's 'ring'), 'promoted', 'rolledBack'.
 */
export function statusEvents<P extends string = 'weight'>(
  prev: RolloutStateDoc | undefined,
  next: RolloutStateDoc,
  position?: { event: P; moved: boolean },
): ('phase' | P | 'promoted' | 'rolledBack')[] {
  const out: ('phase' | P | 'promoted' | 'rolledBack')[] = [];
  const prevPhase = prev?.phase ?? 'Initialized';
  if (next.phase !== prevPhase) out.push('phase');
  if (position) {
    if (position.moved) out.push(position.event);
  } else if (next.weight !== (prev?.weight ?? 0)) out.push('weight' as P);
  if (next.phase !== prevPhase && next.phase === 'Succeeded') out.push('promoted');
  if (next.phase !== prevPhase && next.phase === 'Failed') out.push('rolledBack');
  return out;
}
