// SKELETON written by the lead so the facade compiles; the metrics work replaces it whole.
import type { DeliveryContext, Lifecycle } from '../core/context.js';
import type { Collector } from '../core/telemetry.js';

export interface MetricsOptions {
  flushInterval?: number | string;
}

export class Metrics implements Lifecycle {
  constructor(
    readonly ctx: DeliveryContext,
    readonly collectors: () => Collector[],
    readonly options: MetricsOptions = {},
  ) {}
  async load(): Promise<void> {}
}
