// Public names of the experiments module.
export type {
  ExperimentDefinition,
  ExperimentStatus,
  ExperimentMetricType,
  Assignment,
  AssignmentReason,
  ExposureEvent,
  ResultsOptions,
  ExperimentResults,
  VariantMetricResult,
  Comparison,
  ExperimentStats,
} from './types.js';
export { ExperimentClient, type ExperimentClientOptions } from './client.js';
export { validateExperiment } from './validate.js';
