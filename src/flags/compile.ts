import { compileConditions, type Matcher } from './conditions.js';
import { saltSeed } from './hash.js';
import type { FlagDefinition, FlagValue, Serve } from './types.js';

/** A serve resolved to variant indexes: one variant, or cumulative bucket thresholds. */
export type CompiledServe =
  | { split: false; variant: number }
  | { split: true; thresholds: Float64Array; variants: Int32Array; bucketBy: string };

export interface CompiledRule {
  match: Matcher;
  serve: CompiledServe;
  id: string | undefined;
}

/** A definition prepared for evaluation: variant names resolved to indexes, conditions to closures. */
export interface CompiledFlag {
  readonly def: FlagDefinition;
  readonly key: string;
  readonly enabled: boolean;
  readonly variantNames: string[];
  readonly variantValues: FlagValue[];
  /** Index of the off variant, -1 when there is none (the caller's default is served). */
  readonly off: number;
  readonly prerequisites: { flag: string; variant: string }[];
  /** userId -> variant index. */
  readonly targets: Map<string, number> | undefined;
  readonly rules: CompiledRule[];
  /** undefined when the fallthrough names no known variant (serves the caller's default). */
  readonly fallthrough: CompiledServe | undefined;
  readonly seed: number;
  readonly mod100: boolean;
  /** Evaluation counters: [variant (or variants.length for "no variant")][reason], flattened. */
  readonly counts: Float64Array;
}

export const REASONS = ['DISABLED', 'PREREQUISITE_FAILED', 'TARGET_MATCH', 'RULE_MATCH', 'SPLIT', 'DEFAULT', 'ERROR'] as const;
export const R_DISABLED = 0;
export const R_PREREQ = 1;
export const R_TARGET = 2;
export const R_RULE = 3;
export const R_SPLIT = 4;
export const R_DEFAULT = 5;
export const R_ERROR = 6;

function compileServe(s: Serve | undefined, index: Map<string, number>, bucketBy: string): CompiledServe | undefined {
  if (!s || typeof s !== 'object') return undefined;
  if ('split' in s && Array.isArray(s.split)) {
    const entries = s.split.filter((e) => index.has(e?.variant) && typeof e.weight === 'number' && Number.isFinite(e.weight) && e.weight > 0);
    const total = entries.reduce((a, e) => a + e.weight, 0);
    if (!entries.length || !(total > 0)) return undefined;
    const thresholds = new Float64Array(entries.length);
    const variants = new Int32Array(entries.length);
    let cum = 0;
    entries.forEach((e, i) => {
      cum += e.weight;
      thresholds[i] = i === entries.length - 1 ? Infinity : (cum * 100_000) / total;
      variants[i] = index.get(e.variant)!;
    });
    return { split: true, thresholds, variants, bucketBy: typeof s.bucketBy === 'string' && s.bucketBy ? s.bucketBy : bucketBy };
  }
  const v = index.get((s as { variant: string }).variant);
  return v === undefined ? undefined : { split: false, variant: v };
}

/**
 * Compiles a definition for evaluation. Tolerates malformed parts of an unvalidated definition (they never
 * match); a definition that passed validation compiles to exactly its documented meaning.
 */
export function compileFlag(def: FlagDefinition): CompiledFlag {
  const variants = def.variants && typeof def.variants === 'object' && Object.keys(def.variants).length ? def.variants : { on: true, off: false };
  const variantNames = Object.keys(variants);
  const variantValues = variantNames.map((n) => variants[n]!);
  const index = new Map(variantNames.map((n, i) => [n, i]));
  const bucketBy = typeof def.bucketBy === 'string' && def.bucketBy ? def.bucketBy : 'userId';
  let targets: Map<string, number> | undefined;
  if (def.targets && typeof def.targets === 'object') {
    for (const [variant, ids] of Object.entries(def.targets)) {
      const v = index.get(variant);
      if (v === undefined || !Array.isArray(ids)) continue;
      targets ??= new Map();
      for (const id of ids) if (typeof id === 'string' && !targets.has(id)) targets.set(id, v);
    }
  }
  const rules: CompiledRule[] = [];
  if (Array.isArray(def.rules)) {
    for (const r of def.rules) {
      const serve = compileServe(r?.serve, index, bucketBy);
      // a rule whose serve names no variant can never serve: it keeps its index but never matches
      rules.push({ match: serve ? compileConditions(r.conditions) : () => false, serve: serve ?? { split: false, variant: 0 }, id: typeof r?.id === 'string' ? r.id : undefined });
    }
  }
  return {
    def,
    key: def.key,
    enabled: def.enabled === true,
    variantNames,
    variantValues,
    off: index.get(typeof def.offVariant === 'string' ? def.offVariant : 'off') ?? -1,
    prerequisites: Array.isArray(def.prerequisites) ? def.prerequisites.filter((p) => typeof p?.flag === 'string' && typeof p.variant === 'string') : [],
    targets,
    rules,
    fallthrough: compileServe(def.fallthrough ?? { variant: 'on' }, index, bucketBy),
    seed: saltSeed(typeof def.salt === 'string' ? def.salt : def.key),
    mod100: def.hashing === 'crc32-mod100',
    counts: new Float64Array((variantNames.length + 1) * REASONS.length),
  };
}
