// The rollout state document: what every instance routes by, what the leader advances with compare-and-set, and
// what the CLI and admin views read. Plain JSON, stored under NS.rollouts + name.
import { cloneJson, type JsonObject } from '../core/json.js';
import type { CanaryPhase, RolloutAction, RolloutKind } from './types.js';

/** A manual action waiting for a process that runs the rollout (the leader) to apply it. */
export interface RequestedAction {
  id: string;
  action: RolloutAction;
  reason: string | null;
  requestedAt: number;
  requestedBy: string | null;
}

/** The persisted state of one rollout. */
export interface RolloutStateDoc {
  kind: RolloutKind;
  name: string;
  revision: string | null;
  phase: CanaryPhase;
  /** Percent of unmatched traffic on the canary (0-100). */
  weight: number;
  /** The configured maxWeight, for status views. */
  maxWeight: number;
  /** Failed checks, cumulative over the analysis. */
  failedChecks: number;
  /** Failed iterations in a row (for consecutiveFailures). */
  consecutiveFailed: number;
  /** Iterations run in this analysis. */
  iteration: number;
  /** Passing iterations (the iterations mode counts them). */
  passedIterations: number;
  /** The phase a Paused rollout resumes to. */
  pausedFrom: CanaryPhase | null;
  message: string;
  lastTransitionTime: number;
  /** When the weight last stepped (or the analysis last progressed): the progress deadline counts from here. */
  lastStepTime: number;
  /** When an iteration last ran: a second leader skips a scheduled iteration that came too soon after it. */
  lastAnalysisTime: number | null;
  /** Grows with every transition: the fencing token shown to operators. */
  generation: number;
  updatedBy: string;
  requestedAction: RequestedAction | null;
  /**
   * Kind-specific state beside the machine's fields: a blue-green's sides (`from`, `to`), a guarded flag's last
   * written percent (`written`). Canaries have none. The `weight` field means, per kind: canary and guardedFlag, the
   * percent on the new version; blueGreen, 100 while the switched-to side serves and 0 after a rollback; rings, the
   * number of rings served by `next` (0: none).
   */
  data?: JsonObject;
}

const PHASES: ReadonlySet<string> = new Set(['Initialized', 'Progressing', 'WaitingPromotion', 'Promoting', 'Succeeded', 'Failed', 'Paused']);
const KINDS: ReadonlySet<string> = new Set(['canary', 'blueGreen', 'rings', 'guardedFlag']);
const ACTIONS: ReadonlySet<string> = new Set(['promote', 'abort', 'pause', 'resume']);

const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown, d: string): string => (typeof v === 'string' ? v : d);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The counters of an analysis that starts over (a fresh document, a new revision, a switch, rings reopened). */
export const NEW_ANALYSIS = { failedChecks: 0, consecutiveFailed: 0, iteration: 0, passedIterations: 0 } as const satisfies Partial<RolloutStateDoc>;

/** A fresh document: weight 0, Initialized. */
export function initialDoc(kind: RolloutKind, name: string, revision: string | null, maxWeight: number, now: number, by: string): RolloutStateDoc {
  return {
    kind,
    name,
    revision,
    phase: 'Initialized',
    weight: 0,
    maxWeight,
    ...NEW_ANALYSIS,
    pausedFrom: null,
    message: 'waiting for the first iteration',
    lastTransitionTime: now,
    lastStepTime: now,
    lastAnalysisTime: null,
    generation: 0,
    updatedBy: by,
    requestedAction: null,
  };
}

/** Reads a stored value as a state document; undefined when it is not one (foreign or corrupt data). */
export function parseDoc(value: unknown): RolloutStateDoc | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || typeof v.phase !== 'string' || !PHASES.has(v.phase)) return undefined;
  if (typeof v.kind !== 'string' || !KINDS.has(v.kind)) return undefined;
  const ra = v.requestedAction as Record<string, unknown> | null | undefined;
  const requestedAction =
    ra && typeof ra === 'object' && typeof ra.action === 'string' && ACTIONS.has(ra.action)
      ? {
          id: str(ra.id, ''),
          action: ra.action as RolloutAction,
          reason: strOrNull(ra.reason),
          requestedAt: num(ra.requestedAt, 0),
          requestedBy: strOrNull(ra.requestedBy),
        }
      : null;
  const now = num(v.lastTransitionTime, 0);
  return {
    kind: v.kind as RolloutKind,
    name: v.name,
    revision: strOrNull(v.revision),
    phase: v.phase as CanaryPhase,
    weight: Math.min(100, Math.max(0, num(v.weight, 0))),
    maxWeight: num(v.maxWeight, 100),
    failedChecks: num(v.failedChecks, 0),
    consecutiveFailed: num(v.consecutiveFailed, 0),
    iteration: num(v.iteration, 0),
    passedIterations: num(v.passedIterations, 0),
    pausedFrom: typeof v.pausedFrom === 'string' && PHASES.has(v.pausedFrom) ? (v.pausedFrom as CanaryPhase) : null,
    message: str(v.message, ''),
    lastTransitionTime: now,
    lastStepTime: num(v.lastStepTime, now),
    lastAnalysisTime: typeof v.lastAnalysisTime === 'number' ? v.lastAnalysisTime : null,
    generation: num(v.generation, 0),
    updatedBy: str(v.updatedBy, ''),
    requestedAction,
    ...(typeof v.data === 'object' && v.data !== null && !Array.isArray(v.data) ? { data: cloneJson(v.data as JsonObject) as JsonObject } : {}),
  };
}

/** The document as a JSON value for the store. */
export function toJson(doc: RolloutStateDoc): JsonObject {
  const out: JsonObject = { ...doc, requestedAction: doc.requestedAction ? { ...doc.requestedAction } : null };
  if (doc.data === undefined) delete out.data;
  return out;
}
