import type { EvaluationContext } from '../flags/types.js';

export type { EvaluationContext };

/** Lifecycle of an experiment. `draft`: nobody enters; `running`: units are assigned and counted; `stopped`: nothing is counted. */
export type ExperimentStatus = 'draft' | 'running' | 'stopped';

/** How a metric is analysed: `binomial` counts unique converting units (z-test); `continuous` sums per-unit values (Welch t-test). */
export type ExperimentMetricType = 'binomial' | 'continuous';

/**
 * An A/B/n experiment, as stored. Validated as a whole by `put` (see `validateExperiment`).
 * @example
 * await delivery.experiments.put({
 *   key: 'checkout-button',
 *   variants: [{ key: 'control', weight: 50 }, { key: 'green', weight: 50 }],
 *   metrics: [{ key: 'purchase', type: 'binomial' }, { key: 'revenue', type: 'continuous' }],
 * });
 */
export interface ExperimentDefinition {
  /** /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/ */
  key: string;
  /** At least two variants with unique keys; weights are relative (positive, finite). */
  variants: { key: string; weight: number }[];
  /** The variant every other one is compared against. @default the first variant */
  control?: string;
  /** Percent (0-100, fractions allowed down to 0.001) of units that enter. Within a layer: the experiment's share of the layer. @default 100 */
  trafficAllocation?: number;
  /** Experiments sharing a layer split the layer's units between them: no unit is ever in two of them. */
  layer?: string;
  /** Hash salt for traffic allocation and variant choice. @default the key */
  salt?: string;
  /** Context attribute that identifies the unit. @default 'userId' */
  bucketBy?: string;
  /** @default 'running' */
  status?: ExperimentStatus;
  /** Only with `status: 'stopped'`: the variant everyone is served (not counted). */
  winner?: string;
  /** Metrics that `track` accepts and `results` analyses. */
  metrics?: { key: string; type: ExperimentMetricType }[];
  /** Free text for people. */
  description?: string;
}

/** Why `assign` answered as it did. */
export type AssignmentReason =
  | 'ASSIGNED'
  | 'NOT_READY'
  | 'UNKNOWN_EXPERIMENT'
  | 'DRAFT'
  | 'STOPPED'
  | 'WINNER'
  | 'MISSING_UNIT'
  | 'TRAFFIC_ALLOCATION'
  | 'LAYER'
  | 'ERROR';

/**
 * The answer of `assign`. `variant` is set when the unit is in the experiment, and for everyone once a stopped
 * experiment has a winner; otherwise serve your default (control) experience.
 */
export interface Assignment {
  experiment: string;
  variant?: string;
  inExperiment: boolean;
  reason: AssignmentReason | (string & {});
}

/** The `exposure` event: fired once per unit per experiment, fleet-wide, when the exposure is recorded. */
export interface ExposureEvent {
  experiment: string;
  variant: string;
  unit: string;
}

/** Options of `results`. */
export interface ResultsOptions {
  /** Significance level. @default 0.05 */
  alpha?: number;
  /** Multiple-comparison correction across treatments, per metric. @default 'holm' */
  correction?: 'holm' | 'bonferroni' | 'none';
  /** Always-valid p-values and confidence sequences (mixture SPRT): safe to peek at any time. @default false */
  sequential?: boolean;
  /**
   * With `sequential`: the units per arm you plan to reach; the mixing variance is tuned so the test is most
   * sensitive there (see docs/statistics.md). Fix it before the experiment starts. @default 10000
   */
  plannedUnitsPerArm?: number;
}

/** Figures of one metric for one variant. */
export interface VariantMetricResult {
  /** Binomial: unique converting units. */
  conversions?: number;
  /** Binomial: conversions / units. */
  rate?: number;
  /** Continuous: mean of per-unit totals over every exposed unit (non-converters count 0). */
  mean?: number;
  /** Continuous: sample variance (ddof 1) of the per-unit totals. */
  variance?: number;
}

/** One treatment against control for one metric. Everything is treatment minus control. */
export interface Comparison {
  variant: string;
  metric: string;
  difference: number;
  /** A fraction: 0.05 is +5%. NaN when the control's rate or mean is 0. */
  relativeLift: number;
  ci: [number, number];
  zScore?: number;
  tStatistic?: number;
  pValue: number;
  adjustedPValue: number;
  significant: boolean;
}

/** What `results` returns. */
export interface ExperimentResults {
  experiment: string;
  control: string;
  variants: { key: string; units: number; metrics: Record<string, VariantMetricResult> }[];
  comparisons: Comparison[];
  /** Sample-ratio mismatch check of the exposed units against the weights: mismatch when p < 0.001. */
  srm: { chiSquare: number; pValue: number; mismatch: boolean };
}

/** Counters of the recorder, for operators (`experiments.stats()`). */
export interface ExperimentStats {
  /** Exposures and track calls waiting to be written. */
  buffered: number;
  /** New exposures this instance recorded. */
  exposures: number;
  /** Events dropped because the buffer was full (store unreachable for long). */
  dropped: number;
  /** Track calls ignored: unit never exposed, unknown metric or experiment, bad value, experiment not running. */
  ignored: number;
}
