import { readAttribute, segmentLookup, unitKey, type SegmentLookup } from './conditions.js';
import { compileFlag, R_DEFAULT, R_DISABLED, R_ERROR, R_PREREQ, R_RULE, R_SPLIT, R_TARGET, REASONS, type CompiledFlag, type CompiledServe } from './compile.js';
import { bucketFrom, mod100Bucket } from './hash.js';
import type { EvaluationContext, EvaluationDetail, EvaluationEnvironment, EvaluationErrorCode, FlagDefinition, FlagValue } from './types.js';
import { MAX_PREREQUISITE_DEPTH } from './validate.js';

export { conditionsMatch } from './conditions.js';

/** What an evaluation may consult besides the flag: other flags (prerequisites) and segments. */
export interface CompiledEnv extends SegmentLookup {
  flag(key: string): CompiledFlag | undefined;
}

/** The outcome of `resolve`, written into a caller-owned object so the hot path allocates nothing. */
export interface Resolution {
  /** Variant index, -1 for "serve the caller's default". */
  variant: number;
  reason: number;
  ruleIndex: number;
  errorCode: EvaluationErrorCode | undefined;
}

export const newResolution = (): Resolution => ({ variant: -1, reason: R_DEFAULT, ruleIndex: -1, errorCode: undefined });

function set(out: Resolution, variant: number, reason: number, ruleIndex = -1, errorCode?: EvaluationErrorCode): void {
  out.variant = variant;
  out.reason = reason;
  out.ruleIndex = ruleIndex;
  out.errorCode = errorCode;
}

function serve(cf: CompiledFlag, s: CompiledServe | undefined, ctx: EvaluationContext, out: Resolution, reason: number, ruleIndex: number): void {
  if (s === undefined) return set(out, -1, R_ERROR, ruleIndex, 'GENERAL');
  if (!s.split) return set(out, s.variant, reason, ruleIndex);
  const unit = unitKey(readAttribute(ctx, s.bucketBy));
  if (unit === undefined) return set(out, cf.off, R_ERROR, ruleIndex, 'TARGETING_KEY_MISSING');
  const b = cf.mod100 ? mod100Bucket(unit) : bucketFrom(cf.seed, unit);
  const t = s.thresholds;
  let i = 0;
  while (b >= t[i]!) i++;
  set(out, s.variants[i]!, reason === R_DEFAULT ? R_SPLIT : reason, ruleIndex);
}

/**
 * The evaluation order of API.md, over a compiled flag, writing the outcome into `out`. Throws only if the
 * context itself throws (a getter or proxy); callers catch at their public boundary.
 */
export function resolve(cf: CompiledFlag, ctx: EvaluationContext, env: CompiledEnv, out: Resolution, depth = 0): void {
  if (!cf.enabled) return set(out, cf.off, R_DISABLED);
  const pre = cf.prerequisites;
  if (pre.length) {
    const sub = newResolution();
    for (const p of pre) {
      const pf = env.flag(p.flag);
      if (!pf || !pf.enabled || depth >= MAX_PREREQUISITE_DEPTH) return set(out, cf.off, R_PREREQ);
      resolve(pf, ctx, env, sub, depth + 1);
      if (sub.reason === R_PREREQ || sub.reason === R_ERROR || pf.variantNames[sub.variant] !== p.variant) return set(out, cf.off, R_PREREQ);
    }
  }
  if (cf.targets) {
    const uid = readAttribute(ctx, 'userId');
    if (typeof uid === 'string') {
      const v = cf.targets.get(uid);
      if (v !== undefined) return set(out, v, R_TARGET);
    }
  }
  const rules = cf.rules;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (r.match(ctx, env)) return serve(cf, r.serve, ctx, out, R_RULE, i);
  }
  serve(cf, cf.fallthrough, ctx, out, R_DEFAULT, -1);
}

/** 'boolean' | 'string' | 'number' | 'object' (arrays are objects), the OpenFeature type families. */
export function valueType(v: unknown): string {
  return typeof v === 'object' ? 'object' : typeof v;
}

/** Builds the public detail of a resolution, applying the type check against `defaultValue`. */
export function toDetail<T extends FlagValue>(cf: CompiledFlag, r: Resolution, defaultValue: T): EvaluationDetail<T> {
  const served = r.variant >= 0 ? cf.variantValues[r.variant] : undefined;
  if (served !== undefined && valueType(served) !== valueType(defaultValue)) {
    return { key: cf.key, value: defaultValue, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' };
  }
  const d: EvaluationDetail<T> = { key: cf.key, value: served === undefined ? defaultValue : (served as T), reason: REASONS[r.reason]! };
  if (r.variant >= 0) d.variant = cf.variantNames[r.variant]!;
  if (r.ruleIndex >= 0) {
    d.ruleIndex = r.ruleIndex;
    const id = cf.rules[r.ruleIndex]?.id;
    if (id !== undefined) d.ruleId = id;
  }
  if (r.errorCode !== undefined) d.errorCode = r.errorCode;
  return d;
}

/** The detail of an evaluation that could not run. */
export function errorDetail<T>(key: string, defaultValue: T, errorCode: EvaluationErrorCode): EvaluationDetail<T> {
  return { key, value: defaultValue, reason: 'ERROR', errorCode };
}

const compiled = new WeakMap<FlagDefinition, CompiledFlag>();

/** An environment over plain definitions, compiling each flag once (a class: no closures per evaluation). */
class PlainEnv implements CompiledEnv {
  constructor(
    readonly flags: ReadonlyMap<string, FlagDefinition> | undefined,
    readonly segments: SegmentLookup,
  ) {}
  flag(key: string): CompiledFlag | undefined {
    const d = this.flags?.get(key);
    return d && typeof d === 'object' ? compiledOf(d) : undefined;
  }
  segment(key: string) {
    return this.segments.segment(key);
  }
}

const EMPTY_ENV: CompiledEnv = new PlainEnv(undefined, segmentLookup(undefined));

/** Compiles `def` once per definition object (treat definitions as immutable once evaluated). */
export function compiledOf(def: FlagDefinition): CompiledFlag {
  let cf = compiled.get(def);
  if (!cf) compiled.set(def, (cf = compileFlag(def)));
  return cf;
}

/**
 * Evaluates one flag definition for `ctx`: pure, synchronous, never throws. `flags` and `segments` supply the
 * prerequisite flags and the segments of `inSegment`. A value of another type than `defaultValue` gives the
 * default with TYPE_MISMATCH; anything unexpected gives the default with ERROR/GENERAL.
 * @example
 * evaluate(booleanFlag('new-checkout', { percentage: 20 }), { userId: 'u1' }, false)
 * // { key: 'new-checkout', value: true, variant: 'on', reason: 'SPLIT' } (for a u1 inside the 20%)
 */
export function evaluate(def: FlagDefinition | undefined, ctx: EvaluationContext | undefined, defaultValue: boolean, env?: EvaluationEnvironment): EvaluationDetail<boolean>;
export function evaluate(def: FlagDefinition | undefined, ctx: EvaluationContext | undefined, defaultValue: string, env?: EvaluationEnvironment): EvaluationDetail<string>;
export function evaluate(def: FlagDefinition | undefined, ctx: EvaluationContext | undefined, defaultValue: number, env?: EvaluationEnvironment): EvaluationDetail<number>;
export function evaluate<T extends FlagValue>(def: FlagDefinition | undefined, ctx: EvaluationContext | undefined, defaultValue: T, env?: EvaluationEnvironment): EvaluationDetail<T>;
export function evaluate<T extends FlagValue>(
  def: FlagDefinition | undefined,
  ctx: EvaluationContext | undefined,
  defaultValue: T,
  env: EvaluationEnvironment = {},
): EvaluationDetail<T> {
  const key = typeof def?.key === 'string' ? def.key : '';
  try {
    if (!def || typeof def !== 'object') return errorDetail(key, defaultValue, 'FLAG_NOT_FOUND');
    const lookup = env.flags || env.segments ? new PlainEnv(env.flags, segmentLookup(env.segments)) : EMPTY_ENV;
    const cf = compiledOf(def);
    const r = newResolution();
    resolve(cf, ctx && typeof ctx === 'object' ? ctx : {}, lookup, r);
    return toDetail(cf, r, defaultValue);
  } catch {
    return errorDetail(key, defaultValue, 'GENERAL');
  }
}
