// The shadow module's public types: options, outcomes, diffs, results and stats (API.md "Shadow and mirror").
import type { EvaluationContext } from '../flags/types.js';

/** How one side of a call ended. Exactly one of `value` / `error` is set, unless `timedOut`. */
export interface Outcome<Res> {
  value?: Res;
  error?: unknown;
  /** Milliseconds from the side's start to its settling, measured with the delivery's clock. */
  durationMs: number;
  /** Set when the side had not settled within `timeoutMs`. */
  timedOut?: boolean;
}

/** One difference between the primary's and the shadow's outcome. */
export interface Diff {
  /** Where: `items[2].price`, `headers.content-type`; `''` is the root. */
  path: string;
  /** `added`: only in the shadow; `removed`: only in the primary; `error`: one or both sides failed differently. */
  kind: 'changed' | 'added' | 'removed' | 'error';
  primary?: unknown;
  shadow?: unknown;
}

/** Compares two outcomes; an empty list is a match. Called off the primary's path; a throw is reported, not raised. */
export type Comparator<Res> = (primary: Outcome<Res>, shadow: Outcome<Res>) => Diff[];

/**
 * Scientist's `ignore`: return true to accept a known difference. Asked about every mirrored call whose comparison
 * found diffs (after noise filtering); a call it accepts counts as `ignored`, never as `mismatched`, and fires no
 * `mismatch` event. A call that matches is never asked. Runs off the primary's path; a throw counts as false and is
 * reported.
 */
export type ShadowIgnore<Res> = (primary: Outcome<Res>, shadow: Outcome<Res>) => boolean;

/** What `on('result')`, `on('mismatch')` and `mismatches()` hand out (after `redact`). */
export interface ShadowResult<Res, Req = unknown> {
  name: string;
  request: Req;
  primary: Outcome<Res>;
  shadow: Outcome<Res>;
  /** True when the outcomes were compared and no diff remains after noise filtering. */
  match: boolean;
  /** Diffs that count (noise removed); empty for a timeout, which is not compared. An ignored call keeps its diffs. */
  diffs: Diff[];
  /** How the mirrored call ended: the one of these four counters it incremented. */
  outcome: 'matched' | 'mismatched' | 'ignored' | 'timeout';
  /** Diffs dropped because their path was learned as noise for this endpoint. */
  noise: Diff[];
  /** The endpoint key the noise was learned under. */
  endpoint: string;
  /** Clock time at which the result was decided. */
  at: number;
}

/** The subset of FlagClient the shadow needs (a kill switch by flag). */
export interface FlagGate {
  isEnabled(key: string, ctx?: ShadowEvaluationContext): boolean;
}

/** The evaluation context the `enabledFlag` kill switch is evaluated with. */
export type ShadowEvaluationContext = EvaluationContext;

/** Latency of one side over the last `latencyWindow` mirrored calls, in milliseconds. */
export interface LatencySummary {
  /** Every observation since creation. */
  count: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

/** A path learned as noise for one endpoint: primary and secondary disagreed there. */
export interface NoisePath {
  /** The path with indices generalised: `items[*].ts`. */
  path: string;
  /** Samples in which primary and secondary disagreed under this path. */
  disagreements: number;
  /** Primary-vs-shadow diffs dropped because of this path. */
  filtered: number;
}

/** Noise cancellation, per endpoint key. */
export interface NoiseStats {
  /** Secondary calls whose outcome was compared with the primary's. */
  samples: number;
  /** Primary-vs-shadow diffs dropped as noise, over all endpoints. */
  filtered: number;
  /** Endpoints, each with its noisy paths (most disagreements first). */
  endpoints: { endpoint: string; samples: number; paths: NoisePath[] }[];
}

/** Counters of a shadow client; API.md's seven plus what a user needs to read them. */
export interface ShadowStats {
  /** Every call(). */
  calls: number;
  /** Shadows started. Each ends as exactly one of matched, mismatched, ignored or timeouts (or is still inFlight). */
  mirrored: number;
  matched: number;
  mismatched: number;
  /** Mismatches an `ignore` predicate accepted: not counted as mismatched. */
  ignored: number;
  /** Mirrored calls whose shadow threw or rejected (also matched, mismatched or ignored). */
  shadowErrors: number;
  timeouts: number;
  /** Calls that would have been mirrored but found `maxConcurrent` shadows in flight. */
  dropped: number;
  /** Calls not mirrored for another reason: outside the percentage, `enabled`/`runIf`/`enabledFlag` said no, closed. */
  skipped: number;
  /** Mirrored calls not yet decided. */
  inFlight: number;
  /** Comparator, ignore, redact or predicate failures (each reported once to the delivery's 'error' event). */
  userErrors: number;
  latency: { primary: LatencySummary; shadow: LatencySummary };
  noise: NoiseStats;
}

/** Options of `delivery.shadow(options)`. Invalid options throw a ValidationError listing every problem. */
export interface ShadowOptions<Req, Res> {
  /** Names the experiment in stats, events and the `progressive_delivery_shadow_results_total{name}` series. */
  name: string;
  /** The code path that serves: its result (or error) is what `call()` gives back, untouched. */
  primary: (req: Req) => Res | Promise<Res>;
  /**
   * The candidate. Receives the same `req` object after the primary has been invoked; must not have side effects
   * the primary already has (see docs/shadow.md, "Side effects").
   */
  shadow: (req: Req) => Res | Promise<Res>;
  /** Share of calls mirrored, 0 to 100 (0.001 resolution with `sampleBy`). @default 100 */
  percentage?: number;
  /**
   * Deterministic sampling: the same key is always in or out (bucketed like flags, salted with `name`).
   * @default random sampling through the delivery's random source
   */
  sampleBy?: (req: Req) => string;
  /** How outcomes are compared. @default jsonComparator() */
  compare?: Comparator<Res>;
  /**
   * Known differences to accept (Scientist's `ignore`), asked in order about each mismatch: when one returns true the
   * call counts as `ignored` instead of `mismatched`. @default none
   */
  ignore?: ShadowIgnore<Res> | ShadowIgnore<Res>[];
  /**
   * How long to wait for both outcomes after the shadow started; a late result is ignored and the call counts as a
   * timeout. Runs on the delivery's clock. @default 5000
   */
  timeoutMs?: number;
  /** Shadow calls in flight at most; beyond it a call is not mirrored and counts as `dropped`. @default 100 */
  maxConcurrent?: number;
  /**
   * Noise cancellation (Diffy): for a share of mirrored calls the primary is called a second time (`secondary`);
   * paths where primary and secondary disagree are learned per endpoint and excluded from primary-vs-shadow diffs.
   * The secondary must be as free of side effects as the shadow.
   */
  noise?: {
    secondary: (req: Req) => Res | Promise<Res>;
    /** Fraction (0 to 1) of mirrored calls that also call the secondary. @default 1 */
    sampleRate?: number;
    /** Endpoints remembered; calls for further endpoints learn nothing. @default 100 */
    maxEndpoints?: number;
    /** Noisy paths remembered per endpoint. @default 100 */
    maxPaths?: number;
  };
  /** Endpoint key for noise learning (e.g. the route). @default every call shares the key 'default' */
  endpoint?: (req: Req) => string;
  /**
   * Switch: false mirrors nothing; a function decides per call (a throw counts as false and is reported).
   * @default true
   */
  enabled?: boolean | ((req: Req) => boolean);
  /** Per-call predicate (Scientist's run_if): mirror only when it returns true. A throw counts as false. */
  runIf?: (req: Req) => boolean;
  /**
   * Dynamic kill switch: mirror only while this boolean flag is on for the call's context. Unknown flags are off.
   * @default none (no flag consulted)
   */
  enabledFlag?: string;
  /** The evaluation context for `enabledFlag`. @default {} */
  context?: (req: Req) => ShadowEvaluationContext;
  /**
   * Applied to every result before it is stored in the mismatch log or emitted: strip secrets, personal data.
   * If it throws, a result without request and values is used instead.
   */
  redact?: (result: ShadowResult<Res, Req>) => ShadowResult<Res, Req>;
  /** Size of the ring buffer returned by `mismatches()`. 0 keeps none. @default 50 */
  mismatchLogSize?: number;
  /** Calls per side kept for latency percentiles. @default 1024 */
  latencyWindow?: number;
}

/** Events of a ShadowClient (and of a mirror middleware). */
export type ShadowEvents<Res, Req = unknown> = {
  result: (r: ShadowResult<Res, Req>) => void;
  mismatch: (r: ShadowResult<Res, Req>) => void;
};
