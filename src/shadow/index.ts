// The shadow module's public names (re-exported from the root).
export { ShadowClient } from './client.js';
export { jsonComparator, diffValues, type JsonComparatorOptions } from './compare.js';
export { httpComparator, type HttpOutcome, type HttpComparatorOptions } from './http-compare.js';
export type {
  Comparator,
  Diff,
  Outcome,
  ShadowIgnore,
  ShadowOptions,
  ShadowResult,
  ShadowStats,
  ShadowEvents,
  LatencySummary,
  NoiseStats,
  NoisePath,
} from './types.js';
