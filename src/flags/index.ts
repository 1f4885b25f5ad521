// The public names of the flags module (re-exported by the root entry).
export type {
  AttributeValue,
  Condition,
  EvaluationContext,
  EvaluationDetail,
  EvaluationEnvironment,
  EvaluationErrorCode,
  EvaluationReason,
  FlagDefinition,
  FlagValue,
  Operator,
  Rule,
  SegmentDefinition,
  Serve,
} from './types.js';
export { FlagClient, type FlagClientEvents, type FlagClientOptions } from './client.js';
export { booleanFlag, type BooleanFlagOptions } from './builders.js';
export { evaluate as evaluateFlag, conditionsMatch } from './evaluate.js';
export { validateFlag, validateSegment, validateFlagSet, validateConditions } from './validate.js';
