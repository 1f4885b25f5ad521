// Public names of the rollout module. The building blocks (machine.ts, analysis.ts, webhooks.ts, leader.ts,
// state.ts) are imported by path inside the package by the other rollout kinds.
export type { Rollouts } from './rollouts.js';
export type { Canary } from './canary.js';
export type { ManagedRollout } from './controller.js';
export type { BlueGreen } from './blue-green.js';
export { SwitchRefusedError } from './blue-green.js';
export type { RingRollout } from './rings.js';
export type { GuardedFlagRollout, GuardedRollout } from './guarded-flag.js';
export { progressiveRollout, type ProgressiveRolloutConfig } from './presets.js';
export { requestRolloutAction, type RequestActionOptions } from './commands.js';
export { listRolloutStates, type RolloutStateEntry } from './state.js';
export type { RolloutStateDoc, RequestedAction } from './state-doc.js';
export type {
  Handler,
  Check,
  CanaryPhase,
  WebhookType,
  WebhookPayload,
  Webhook,
  QueryWindow,
  MetricCheck,
  Analysis,
  CanaryOptions,
  CanaryStatus,
  RolloutKind,
  RolloutStatus,
  RolloutAction,
  CanaryEvents,
  BlueGreenOptions,
  BlueGreenStatus,
  BlueGreenEvents,
  Ring,
  RingOptions,
  RingStatus,
  RingEvents,
  GuardedFlagOptions,
  GuardedFlagEvents,
} from './types.js';
