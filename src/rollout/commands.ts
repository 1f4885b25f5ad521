// The store-level command channel: any process holding only a Store (the CLI, an admin tool) can ask for
// promote / abort / pause / resume of a rollout by name. The request is written into the state document
// (`requestedAction`) with compare-and-set; the process running the rollout applies it, runs the hooks and clears it.
// `direct: true` applies the transition at once instead, without hooks (for when no service instance runs).
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.js';
import { DeliveryError, ValidationError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { forcedRollback, kindActionRefusal, rollsBackAfterSuccess } from './kind-actions.js';
import { transition, type MachineConfig } from './machine.js';
import { updateState, type RolloutStateEntry } from './state.js';
import type { RolloutAction } from './types.js';

export interface RequestActionOptions {
  /** Why (shown in the rollout's message; abort's reason). */
  reason?: string;
  /** Who asked, e.g. 'cli:alice'. */
  requestedBy?: string;
  /** Apply the transition now by compare-and-set, without running hooks. @default false: the running leader applies it */
  direct?: boolean;
  /** Time source for `requestedAt`. @default the system clock */
  clock?: Clock;
}

const ACTIONS: readonly RolloutAction[] = ['promote', 'abort', 'pause', 'resume'];

// Manual actions need no analysis settings: only the phase and weight fields are touched.
const NO_CONFIG: MachineConfig = { steps: null, stepWeight: 0, maxWeight: 100, iterations: null, threshold: 1, consecutiveFailures: null, progressDeadlineMs: null };

/**
 * Requests `action` on the rollout `name`. Rejects with a DeliveryError 'NOT_FOUND' for an unknown rollout and
 * 'INVALID_STATE' when the action cannot apply (a Succeeded rollout cannot be aborted); resolves with the state written.
 * @example await requestRolloutAction(new RedisStore({ url }), 'checkout', 'abort', { reason: 'p99 alarm' });
 */
export async function requestRolloutAction(store: Store, name: string, action: RolloutAction, opts: RequestActionOptions = {}): Promise<RolloutStateEntry> {
  if (!ACTIONS.includes(action)) throw new ValidationError([{ path: 'action', message: `must be one of ${ACTIONS.join(', ')}` }]);
  if (typeof name !== 'string' || !name) throw new ValidationError([{ path: 'name', message: 'must be a non-empty string' }]);
  const clock = opts.clock ?? systemClock;
  let refusal: string | undefined;
  let found = false;
  const written = await updateState(store, name, (cur) => {
    found = cur !== undefined;
    refusal = cur && kindActionRefusal(cur.doc, action);
    if (!cur || refusal) return undefined;
    if (opts.direct) {
      const t = rollsBackAfterSuccess(cur.doc, action)
        ? forcedRollback(cur.doc, `aborted${opts.reason ? `: ${opts.reason}` : ''}`, clock.now())
        : transition(cur.doc, { type: 'action', action, reason: opts.reason ?? null }, NO_CONFIG, clock.now());
      return { ...t.state, requestedAction: null, updatedBy: opts.requestedBy ?? 'direct' };
    }
    return {
      ...cur.doc,
      requestedAction: { id: randomUUID(), action, reason: opts.reason ?? null, requestedAt: clock.now(), requestedBy: opts.requestedBy ?? null },
    };
  });
  if (!found || !written) throw new DeliveryError(`rollout '${name}' not found in the store`, 'NOT_FOUND');
  if (refusal) throw new DeliveryError(`cannot ${action} rollout '${name}': ${refusal}`, 'INVALID_STATE');
  return { ...written.doc, version: written.version };
}
