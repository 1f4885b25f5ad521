// Public option and status types of the rollout module (API.md, "Rollouts").
import type { Duration } from '../core/duration.js';
import type { Condition, EvaluationContext } from '../flags/types.js';

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
  /** Rings: the outermost ring served by `next`; absent when no ring is. */
  ring?: string;
  /** Blue-green: the side serving calls. */
  active?: 'blue' | 'green';
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

/** Options of `rollouts.blueGreen()`. */
export interface BlueGreenOptions<Req, Res> {
  /** Unique per delivery; the store key, the metrics target (versions 'blue' / 'green') and the Prometheus label. */
  name: string;
  blue: Handler<Req, Res>;
  green: Handler<Req, Res>;
  /** The side that serves before the first switch (when the store holds no state yet). @default 'blue' */
  active?: 'blue' | 'green';
  /** Run against the idle side by `switch()`; every one must pass. A URL check is POSTed `{ name, from, to }`. */
  preSwitch?: Check[];
  /**
   * Watches the new side after a switch (Argo Rollouts' post-promotion analysis): `iterations` passing iterations
   * (default 3) end it Succeeded; reaching `threshold` failed checks rolls back to the previous side. Metrics read
   * target = name, version = the new side (relative metrics compare with the previous side).
   */
  postSwitchAnalysis?: Analysis;
}

/** A ring of a ring deployment. A request is in the first ring whose audience or percentage it matches. */
export interface Ring {
  name: string;
  /** Conditions in the flag language, ANDed (e.g. `{ attribute: 'groups', operator: 'in', values: ['employees'] }`). */
  audience?: Condition[];
  /** Percent of all units (by `userId`, hashed with the rollout name as salt), 0-100. With `audience`: either matches. */
  percentage?: number;
}

/** Options of `rollouts.rings()`. */
export interface RingOptions<Req, Res> {
  /** Unique per delivery; the store key, the metrics target (versions 'stable' / 'next') and the Prometheus label. */
  name: string;
  stable: Handler<Req, Res>;
  next: Handler<Req, Res>;
  /** In order, innermost first (ring 0 internal, ring 1 friendly users, ring 2 everyone). At most 20. */
  rings: Ring[];
  /** The evaluation context of a request: what audiences and percentages are matched against. */
  context: (req: Req) => EvaluationContext;
  /**
   * With an analysis, the schedule opens ring 0, then the next ring after each passing iteration, and succeeds after
   * one passing iteration with every ring open; a failure closes every ring. Without one, `advance()` is manual.
   */
  analysis?: Analysis;
}

/** Options of `rollouts.guardedFlag()`. */
export interface GuardedFlagOptions {
  /** The flag whose fallthrough split is driven. */
  flag: string;
  /** The variant rolled out. @default 'on' */
  variant?: string;
  /** Percent of units on `variant`, increasing, each in (0, 100]; the last one is kept on success. */
  steps: number[];
  /** Metrics read target = the flag key, version = `variant` (relative metrics: the flag's offVariant). */
  analysis: Analysis;
  /** The rollout's name (store key, status, Prometheus label). @default the flag key */
  name?: string;
}

/** Status of a blue-green rollout. */
export type BlueGreenStatus = RolloutStatus & { kind: 'blueGreen'; active: 'blue' | 'green' };
/** Status of a ring rollout. */
export type RingStatus = RolloutStatus & { kind: 'rings'; ring?: string };

/** Events of a blue-green rollout; listeners get the new status. */
export type BlueGreenEvents = {
  phase: (s: BlueGreenStatus) => void;
  /** The active side changed (a switch or a rollback), here or on another instance. */
  switched: (s: BlueGreenStatus) => void;
  promoted: (s: BlueGreenStatus) => void;
  rolledBack: (s: BlueGreenStatus) => void;
};

/** Events of a ring rollout. */
export type RingEvents = {
  phase: (s: RingStatus) => void;
  /** The set of rings served by `next` changed. */
  ring: (s: RingStatus) => void;
  promoted: (s: RingStatus) => void;
  rolledBack: (s: RingStatus) => void;
};

/** Events of a guarded flag rollout. */
export type GuardedFlagEvents = {
  phase: (s: RolloutStatus) => void;
  weight: (s: RolloutStatus) => void;
  promoted: (s: RolloutStatus) => void;
  rolledBack: (s: RolloutStatus) => void;
  /** The flag was edited outside the rollout; the rollout paused instead of overwriting it. */
  conflict: (s: RolloutStatus) => void;
};
