// Public names of the statistics module: pure functions with our own numerics.
export type {
  Summary,
  ProportionArm,
  ValueCount,
  TestOptions,
  TwoProportionResult,
  WelchResult,
  SrmResult,
  MannWhitneyResult,
  MannWhitneyOptions,
  SequentialOptions,
  SequentialResult,
  SampleSizeOptions,
  SampleSizePlan,
  AdjustMethod,
} from './types.js';
export { normalCdf, normalSf, normalPdf, normalQuantile } from './normal.js';
export { studentTCdf, studentTSf, studentTPdf, studentTQuantile } from './student-t.js';
export { chiSquareSf, chiSquareCdf } from './chi-square.js';
export { regularizedIncompleteBeta } from './incomplete-beta.js';
export { regularizedGammaP, regularizedGammaQ } from './incomplete-gamma.js';
export { logGamma, logBeta } from './log-gamma.js';
export { summarize } from './summarize.js';
export { twoProportionZTest } from './z-test.js';
export { welchTTest } from './welch.js';
export { srmTest } from './srm.js';
export { mannWhitneyU, mannWhitneyUFromCounts } from './mann-whitney.js';
export { sampleSizeTwoProportions, sampleSizePlan } from './sample-size.js';
export { adjustPValues } from './adjust.js';
export { mixtureSprtProportions, mixtureSprtMeans, defaultMixingVariance } from './sequential.js';
