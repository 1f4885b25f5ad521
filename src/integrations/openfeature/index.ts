// 'progressive-delivery/openfeature': the only module of the library that imports @openfeature/server-sdk.
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext as OFContext,
  type FlagMetadata,
  type JsonValue as OFJson,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { Delivery } from '../../delivery.js';
import type { EvaluationContext, EvaluationDetail, FlagDefinition, FlagValue } from '../../flags/types.js';

const REASON: Record<EvaluationDetail<unknown>['reason'], string> = {
  TARGET_MATCH: StandardResolutionReasons.TARGETING_MATCH,
  RULE_MATCH: StandardResolutionReasons.TARGETING_MATCH,
  SPLIT: StandardResolutionReasons.SPLIT,
  DEFAULT: StandardResolutionReasons.DEFAULT,
  DISABLED: StandardResolutionReasons.DISABLED,
  PREREQUISITE_FAILED: StandardResolutionReasons.DISABLED,
  ERROR: StandardResolutionReasons.ERROR,
};

const ERROR: Record<NonNullable<EvaluationDetail<unknown>['errorCode']>, ErrorCode> = {
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  TYPE_MISMATCH: ErrorCode.TYPE_MISMATCH,
  NOT_READY: ErrorCode.PROVIDER_NOT_READY,
  TARGETING_KEY_MISSING: ErrorCode.TARGETING_KEY_MISSING,
  GENERAL: ErrorCode.GENERAL,
};

const ERROR_MESSAGE: Record<NonNullable<EvaluationDetail<unknown>['errorCode']>, string> = {
  FLAG_NOT_FOUND: 'flag not found',
  TYPE_MISMATCH: 'the flag serves another type than the default value',
  NOT_READY: 'delivery.ready() has not resolved yet',
  TARGETING_KEY_MISSING: 'the split needs a targeting key (or the bucketBy attribute), and the context has none',
  GENERAL: 'evaluation failed',
};

/**
 * Maps an OpenFeature context to ours: `targetingKey` becomes `userId`; strings, finite numbers, booleans and
 * string arrays pass through; Dates become ISO strings (for `before`/`after`); anything else is dropped. Keys such
 * as `__proto__` stay plain data.
 */
export function toDeliveryContext(ctx: OFContext | undefined): EvaluationContext {
  const out = Object.create(null) as EvaluationContext;
  if (!ctx) return out;
  for (const [k, v] of Object.entries(ctx)) {
    if (k === 'targetingKey') continue;
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
    else if (v instanceof Date && Number.isFinite(v.getTime())) out[k] = v.toISOString();
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
  }
  if (typeof ctx.targetingKey === 'string' && ctx.targetingKey) out.userId = ctx.targetingKey;
  return out;
}

/**
 * An OpenFeature server provider backed by a delivery's flags. `initialize` waits for `delivery.ready()`; flag
 * changes (local or from other instances) emit `ProviderEvents.ConfigurationChanged` with `flagsChanged`: the changed
 * flag and the flags that depend on it (prerequisites); a segment change lists the flags that use the segment. Reasons:
 * TARGET_MATCH and RULE_MATCH -> TARGETING_MATCH, SPLIT -> SPLIT, DEFAULT -> DEFAULT, DISABLED and
 * PREREQUISITE_FAILED -> DISABLED, ERROR -> ERROR; our own reason stays in `flagMetadata.reason`.
 * Closing the provider does not close the delivery.
 * @example
 * import { OpenFeature } from '@openfeature/server-sdk';
 * import { DeliveryProvider } from 'progressive-delivery/openfeature';
 * await OpenFeature.setProviderAndWait(new DeliveryProvider(delivery));
 * const on = await OpenFeature.getClient().getBooleanValue('new-checkout-flow', false, { targetingKey: 'u42' });
 */
export class DeliveryProvider implements Provider {
  readonly metadata = { name: 'progressive-delivery' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly #delivery: Delivery;
  readonly #onChange = (key: string) => {
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: this.#affected([key], []) });
  };
  readonly #onSegmentChange = (segment: string) => {
    const flags = this.#delivery.flags.list();
    const users = flags.filter((f) => (f.rules ?? []).some((r) => r.conditions.some((c) => c.operator === 'inSegment' && c.values.includes(segment))));
    if (users.length) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: this.#affected(users.map((f) => f.key), flags) });
  };
  #subscribed = false;

  constructor(delivery: Delivery) {
    this.#delivery = delivery;
  }

  async initialize(): Promise<void> {
    await this.#delivery.ready();
    if (!this.#subscribed) {
      this.#delivery.flags.on('change', this.#onChange);
      this.#delivery.flags.on('segmentChange', this.#onSegmentChange);
      this.#subscribed = true;
    }
  }

  async onClose(): Promise<void> {
    if (this.#subscribed) {
      this.#delivery.flags.off('change', this.#onChange);
      this.#delivery.flags.off('segmentChange', this.#onSegmentChange);
    }
    this.#subscribed = false;
  }

  /** The changed flags plus every flag that depends on one of them through prerequisites (their answers may change too). */
  #affected(changed: string[], all: FlagDefinition[]): string[] {
    const flags = all.length ? all : this.#delivery.flags.list();
    const out = new Set(changed);
    for (let grew = true; grew; ) {
      grew = false;
      for (const f of flags) {
        if (!out.has(f.key) && (f.prerequisites ?? []).some((p) => out.has(p.flag))) {
          out.add(f.key);
          grew = true;
        }
      }
    }
    return [...out];
  }

  #resolve<T extends FlagValue>(key: string, defaultValue: T, ctx: OFContext | undefined): ResolutionDetails<T> {
    let d: EvaluationDetail<T>;
    try {
      d = this.#delivery.flags.evaluate(key, toDeliveryContext(ctx), defaultValue);
    } catch {
      d = { key, value: defaultValue, reason: 'ERROR', errorCode: 'GENERAL' }; // a context whose properties throw
    }
    const flagMetadata: Record<string, string | number | boolean> = { reason: d.reason };
    if (d.ruleIndex !== undefined) flagMetadata.ruleIndex = d.ruleIndex;
    if (d.ruleId !== undefined) flagMetadata.ruleId = d.ruleId;
    const r: ResolutionDetails<T> = { value: d.value, reason: REASON[d.reason], flagMetadata: flagMetadata as FlagMetadata };
    if (d.variant !== undefined) r.variant = d.variant;
    if (d.errorCode !== undefined) {
      r.errorCode = ERROR[d.errorCode];
      r.errorMessage = `${ERROR_MESSAGE[d.errorCode]} ('${key}')`;
    }
    return r;
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: OFContext): Promise<ResolutionDetails<boolean>> {
    return this.#resolve(flagKey, defaultValue, context);
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: OFContext): Promise<ResolutionDetails<string>> {
    return this.#resolve(flagKey, defaultValue, context);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: OFContext): Promise<ResolutionDetails<number>> {
    return this.#resolve(flagKey, defaultValue, context);
  }

  async resolveObjectEvaluation<T extends OFJson>(flagKey: string, defaultValue: T, context: OFContext): Promise<ResolutionDetails<T>> {
    return this.#resolve(flagKey, defaultValue as unknown as FlagValue, context) as unknown as ResolutionDetails<T>;
  }
}
