// Public option and status types of the rollout module (API.md, "Rollouts").
import type { Duration } from '../core/duration.js';

/** A side's request handler. */
export type Handler<Req, Res> = (req: Req) => Res | Promise<Res>;

/** A pass/fail check: a function or an HTTP endpoint (POST, 2xx = pass). */
export type Check =
  | { name: string; run: () => boolean | Promise<boolean> }
  | { name: string; url: string; timeoutMs?: number };

/** The phases of a canary, as Flagger names them. */
export type CanaryPhase = 'Initialized' | 'Progressing' | 'WaitingPromotion' | 'Promoting' | 'Succeeded' | 'Failed' | 'Paused';

/** When a webhook runs (Flagger's webhook types). */
export type WebhookType = 'pre-rollout' | 'rollout' | 'confirm-rollout' | 'confirm-promotion' | 'post-rollout' | 'rollback' | 'event';

/** What a webhook receives: a function's argument, or an HTTP hook's JSON body. */
export interface WebhookPayload {
  /** The rollout's name. */
  name: string;
  /** The phase when the hook runs (for 'event' hooks: the new phase). */
  phase: CanaryPhase;
  /** The weight analysed: the canary weight in effect when the iteration (or action) that runs the hook began. */
  weight: number;
  failedChecks: number;
  /** The hook's own `metadata`; 'event' hooks also get `message` and `previousPhase`. */
  metadata: Record<string, string>;
}

/**
 * A webhook: a function `run` or an HTTP `url` (exactly one). Gates ('confirm-rollout', 'confirm-promotion') and
 * checks ('pre-rollout', 'rollout') fail when `run` returns false or throws, or when the URL answers non-2xx or
 * times out; notifications ('post-rollout', 'rollback', 'event') are reported on failure and change nothing.
 */
export interface Webhook {
  name: string;
  type: WebhookType;
  /** POST target; the body is the {@link WebhookPayload} as JSON. */
  url?: string;
  /** Called with the {@link WebhookPayload}; `false` (or a throw) is a failure, `true` or nothing a success. */
  run?: (payload: WebhookPayload) => boolean | void | Promise<boolean | void>;
  /** Time allowed for the call. @default 10000 (ms) */
  timeoutMs?: number;
  /** Sent as the payload's `metadata`. */
  metadata?: Record<string, string>;
}

/** What a custom metric query receives: the window to measure, epoch ms. */
export interface QueryWindow {
  from: number;
  to: number;
}

/** One metric check of an analysis. */
export interface MetricCheck {
  /**
   * A built-in ('request-success-rate', 'request-duration', 'latency-ratio', 'error-rate-diff', 'latency-regression')
   * or, with `query`, any name.
   */
  name: string;
  /** Pass when min <= value <= max (each bound optional). 'latency-regression' defaults to { min: 0.01 }. */
  thresholdRange: { min?: number; max?: number };
  /** The window the metric is measured over. @default the analysis interval */
  interval?: Duration;
  /** A custom metric: a number, or undefined for no data. A throw is a failed check (and reported). */
  query?: (window: QueryWindow) => number | undefined | Promise<number | undefined>;
}

/** How a rollout is analysed (Flagger's `analysis` block). */
export interface Analysis {
  /** Time between iterations: '30s', '1m', or ms. */
  interval: Duration;
  /** Failed checks (cumulative over the analysis) that trigger a rollback. */
  threshold: number;
  /** Weight added after each passing iteration, capped at `maxWeight`. One of stepWeight, stepWeights, iterations. */
  stepWeight?: number;
  /** Explicit weights in increasing order; the last one is the default `maxWeight`. */
  stepWeights?: number[];
  /** The weight at which promotion is considered. @default the last stepWeights entry, else 100 */
  maxWeight?: number;
  /** A/B mode: weight stays 0 (only `match` routes to the canary); promote after this many passing iterations. */
  iterations?: number;
  /** Built-in metrics with fewer requests on a side in the window are 'no data'. @default 1 */
  minRequests?: number;
  /** 'hold' keeps the weight on no data; 'fail' counts it as a failed check (Flagger). @default 'hold' */
  noData?: 'hold' | 'fail';
  /** Also roll back after this many failed iterations in a row (Argo Rollouts' consecutive failure limit). */
  consecutiveFailures?: number;
  metrics: MetricCheck[];
  webhooks?: Webhook[];
}

/** Options of `rollouts.canary()`. */
export interface CanaryOptions<Req, Res> {
  /** Unique per delivery; the store key, the metrics target and the Prometheus label. */
  name: string;
  stable: Handler<Req, Res>;
  canary: Handler<Req, Res>;
  /** Same key -> same side while the weight does not drop. Without it (or when it returns undefined) the split is random. */
  stickyBy?: (req: Req) => string | undefined;
  /** Requests for which any of these returns true always go to the canary (header/cookie A/B routing). */
  match?: ((req: Req) => boolean)[];
  analysis: Analysis;
  /** Roll back when Progressing makes no step for longer than this. @default none */
  progressDeadline?: Duration;
  /** A revision other than the stored one restarts the analysis from the beginning (a new canary). */
  revision?: string;
}

/** A canary's status, as every instance sees it. */
export interface CanaryStatus {
  name: string;
  phase: CanaryPhase;
  /** Percent of unmatched traffic routed to the canary, 0-100. */
  weight: number;
  failedChecks: number;
  /** Iterations run in this analysis. */
  iteration: number;
  message: string;
  /** Epoch ms of the last phase change. */
  lastTransitionTime: number;
  revision?: string;
}

export type RolloutKind = 'canary' | 'blueGreen' | 'rings' | 'guardedFlag';

/** One line of `rollouts.status()`. */
export interface RolloutStatus {
  name: string;
  kind: RolloutKind;
  phase: CanaryPhase;
  weight?: number;
  failedChecks?: number;
  message?: string;
}

/** A manual action, from `canary.promote()` etc. or from another process through the store. */
export type RolloutAction = 'promote' | 'abort' | 'pause' | 'resume';

/** Events of a canary; listeners get the new status. */
export type CanaryEvents = {
  phase: (s: CanaryStatus) => void;
  weight: (s: CanaryStatus) => void;
  promoted: (s: CanaryStatus) => void;
  rolledBack: (s: CanaryStatus) => void;
};
