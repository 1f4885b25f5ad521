// SKELETON written by the lead so the facade compiles; the experiments work replaces it whole.
import type { DeliveryContext, Lifecycle } from '../core/context.js';

export class ExperimentClient implements Lifecycle {
  constructor(readonly ctx: DeliveryContext) {}
  async load(): Promise<void> {}
}
