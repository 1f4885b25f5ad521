// SKELETON written by the lead so the facade compiles; the flags work replaces it whole.
import type { DeliveryContext, Lifecycle } from '../core/context.js';

export class FlagClient implements Lifecycle {
  constructor(readonly ctx: DeliveryContext) {}
  async load(): Promise<void> {}
}
