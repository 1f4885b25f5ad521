// SKELETON written by the lead so the facade compiles; the shadow work replaces it whole.
import type { DeliveryContext } from '../core/context.js';
import type { FlagClient } from '../flags/client.js';
import type { ShadowOptions } from './types.js';

export class ShadowClient<Req, Res> {
  constructor(
    readonly ctx: DeliveryContext,
    readonly options: ShadowOptions<Req, Res>,
    readonly deps: { flags: FlagClient },
  ) {}
  close(): void {}
}
