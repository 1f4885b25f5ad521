/** Summary statistics of one sample: `variance` is the sample variance with divisor n - 1 (ddof 1). */
export interface Summary {
  mean: number;
  variance: number;
  n: number;
}

/** One arm of a binomial metric: how many units were exposed and how many of them converted. */
export interface ProportionArm {
  users: number;
  conversions: number;
}

/** One histogram bucket (or distinct value) with how many observations it holds. */
export interface ValueCount {
  value: number;
  count: number;
}

/** Options shared by the two-sample tests. */
export interface TestOptions {
  /** Significance level of the two-sided test and 1 - confidence of the interval. @default 0.05 */
  alpha?: number;
}

/** Result of {@link twoProportionZTest}. Everything is B minus A. */
export interface TwoProportionResult {
  rateA: number;
  rateB: number;
  /** (rateB - rateA) / pooled standard error; NaN when nobody or everybody converted. */
  zScore: number;
  /** Two-sided p-value from the pooled z; NaN when `zScore` is NaN. */
  pValue: number;
  /** rateB - rateA. */
  difference: number;
  /** (rateB - rateA) / rateA as a fraction; NaN when rateA is 0. */
  relativeLift: number;
  /** Wald interval for the difference, from the unpooled standard error. */
  ci: [number, number];
  significant: boolean;
  pooledRate: number;
  /** Pooled standard error (the test's). */
  stdErr: number;
  /** Unpooled standard error (the interval's). */
  unpooledStdErr: number;
  alpha: number;
}

/** Result of {@link welchTTest}. Everything is B minus A. */
export interface WelchResult {
  tStatistic: number;
  /** Welch-Satterthwaite degrees of freedom (not an integer). */
  degreesOfFreedom: number;
  pValue: number;
  /** meanB - meanA. */
  difference: number;
  ci: [number, number];
  significant: boolean;
  meanA: number;
  meanB: number;
  varianceA: number;
  varianceB: number;
  nA: number;
  nB: number;
  stdErr: number;
  /** Critical value t(1 - alpha/2, df) used for the interval. */
  tCritical: number;
  /** (meanB - meanA) / meanA; NaN when meanA is 0. */
  relativeLift: number;
  alpha: number;
}

/** Result of {@link srmTest}. */
export interface SrmResult {
  chiSquare: number;
  pValue: number;
  /** `pValue < threshold` (default 0.001). */
  mismatch: boolean;
  degreesOfFreedom: number;
  total: number;
  expected: number[];
}

/** Result of {@link mannWhitneyU} and {@link mannWhitneyUFromCounts}. */
export interface MannWhitneyResult {
  /** U of the first sample (A): pairs (a, b) with a > b, plus half the ties. */
  u: number;
  /** U of the second sample: nA * nB - u. */
  uB: number;
  /** Two-sided p-value. */
  pValue: number;
  /**
   * Standardized statistic of the normal approximation, (|u - nA nB / 2| - 0.5) / sigma with the tie correction:
   * not signed by direction (as scipy). Use `uB / (nA * nB)` (`probabilityBGreater`) for the direction.
   */
  z: number;
  /** P(B > A) + P(B = A) / 2, the common-language effect size: above 0.5 means B tends to be larger. */
  probabilityBGreater: number;
  nA: number;
  nB: number;
  /** Sum over groups of tied values of t^3 - t. */
  tieCorrection: number;
  /** How the p-value was computed. */
  method: 'asymptotic' | 'exact';
}

/** Options of {@link mannWhitneyU}. */
export interface MannWhitneyOptions {
  /**
   * 'asymptotic': normal approximation with tie and continuity correction (the API contract);
   * 'exact': the exact null distribution of U (only without ties; falls back to asymptotic otherwise);
   * 'auto': exact when min(nA, nB) <= 8 and there are no ties (scipy's rule), else asymptotic.
   * @default 'asymptotic'
   */
  method?: 'asymptotic' | 'exact' | 'auto';
}

/** Options of the mixture sequential tests. */
export interface SequentialOptions {
  /** Significance level; the confidence sequence covers with probability 1 - alpha at every look at once. @default 0.05 */
  alpha?: number;
  /**
   * tau^2 of the normal mixture over the true difference, in the squared units of the difference
   * (squared rate difference for proportions, squared metric units for means). Overrides `plannedUnitsPerArm`.
   */
  mixingVariance?: number;
  /**
   * When `mixingVariance` is not given, tau^2 is chosen so the confidence sequence is tightest when each arm holds
   * this many units (Howard et al. 2021): tau^2 = sigma^2 * (2 ln(1/alpha) + ln(1 + 2 ln(1/alpha))) / (n / 2),
   * sigma^2 being the pooled per-unit variance. Fix it before the experiment starts. @default 10000
   */
  plannedUnitsPerArm?: number;
}

/** Result of {@link mixtureSprtProportions} and {@link mixtureSprtMeans}. Everything is B minus A. */
export interface SequentialResult {
  /** Always-valid p-value: min(1, 1 / mixture likelihood ratio). */
  pValue: number;
  /** Always-valid confidence sequence for the difference. */
  ci: [number, number];
  significant: boolean;
  /** The tau^2 that was used (given or derived). */
  mixingVariance: number;
  difference: number;
  /** Standard error of the difference used for the p-value. */
  stdErr: number;
  /** Mixture likelihood ratio against a zero difference. */
  likelihoodRatio: number;
  alpha: number;
}

/** Input of {@link sampleSizeTwoProportions}. */
export interface SampleSizeOptions {
  /** Control conversion rate p1, a fraction in (0, 1). */
  baselineRate: number;
  /** Absolute effect: p2 = baselineRate + minimumDetectableEffect (may be negative). */
  minimumDetectableEffect: number;
  /** Two-sided significance level. @default 0.05 */
  alpha?: number;
  /** Probability of detecting the effect. @default 0.8 */
  power?: number;
}

/** Detail of a sample size computation. */
export interface SampleSizePlan {
  nPerArm: number;
  nPerArmUnrounded: number;
  total: number;
  p1: number;
  p2: number;
  zAlpha: number;
  zBeta: number;
}

/** Multiple-comparison adjustment methods. */
export type AdjustMethod = 'holm' | 'bonferroni' | 'none';
