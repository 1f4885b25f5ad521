// SKELETON written by the lead so the facade compiles; the rollout work replaces it whole.
import type { DeliveryContext, Lifecycle } from '../core/context.js';
import type { FlagClient } from '../flags/client.js';
import type { Metrics } from '../metrics/metrics.js';

export class Rollouts implements Lifecycle {
  constructor(
    readonly ctx: DeliveryContext,
    readonly deps: { flags: FlagClient; metrics: Metrics },
  ) {}
  async load(): Promise<void> {}
}
