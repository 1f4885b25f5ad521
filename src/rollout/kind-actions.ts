// Manual actions that differ by rollout kind: a blue-green or ring rollout can be rolled back ('abort') also after
// it succeeded, which the canary machine refuses for a terminal phase. Used by the kinds and by the command channel.
import type { Effect } from './machine.js';
import { actionRefusal } from './machine.js';
import type { RolloutStateDoc } from './state-doc.js';
import type { RolloutAction } from './types.js';

/** Whether `action` on `doc` is an 'abort' that undoes a finished blue-green switch or open rings. */
export function rollsBackAfterSuccess(doc: RolloutStateDoc, action: RolloutAction): boolean {
  if (action !== 'abort' || doc.phase !== 'Succeeded') return false;
  if (doc.kind === 'blueGreen') return doc.weight >= 100 && doc.data?.from !== doc.data?.to;
  return doc.kind === 'rings' && doc.weight > 0;
}

/**
 * Why `action` cannot apply to `doc` (undefined when it can). A blue-green can only be aborted (rolled back) while a
 * switch is in effect, and promoted, paused or resumed only while its post-switch analysis runs.
 */
export function kindActionRefusal(doc: RolloutStateDoc, action: RolloutAction): string | undefined {
  if (doc.kind === 'blueGreen') {
    const switched = doc.weight >= 100 && doc.data?.from !== doc.data?.to;
    if (action === 'abort') return switched ? undefined : 'nothing to roll back: no switch is in effect';
    if (!switched || doc.phase === 'Initialized') return `no post-switch analysis is running (phase ${doc.phase})`;
  }
  return rollsBackAfterSuccess(doc, action) ? undefined : actionRefusal(doc.phase, action);
}

/** The machine's rollback, also from a terminal phase: phase Failed, weight 0, 'rollback' and 'post-rollout' hooks. */
export function forcedRollback(s: RolloutStateDoc, message: string, now: number): { state: RolloutStateDoc; effects: Effect[] } {
  const base = { weight: s.weight, failedChecks: s.failedChecks, message, previousPhase: s.phase };
  const effects: Effect[] = [];
  if (s.phase !== 'Failed') effects.push({ hook: 'event', phase: 'Failed', ...base });
  effects.push({ hook: 'rollback', phase: 'Failed', ...base }, { hook: 'post-rollout', phase: 'Failed', ...base });
  const state: RolloutStateDoc = { ...s, phase: 'Failed', weight: 0, pausedFrom: null, message, generation: s.generation + 1 };
  if (s.phase !== 'Failed') state.lastTransitionTime = now;
  return { state, effects };
}
