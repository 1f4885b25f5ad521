import { BUCKETS, bucket } from '../core/bucket.js';
import type { Assignment, EvaluationContext, ExperimentDefinition } from './types.js';

/**
 * An experiment prepared for fast assignment: defaults resolved, hash salts built once, and (for experiments in a
 * layer) the slice of the layer's bucket space it owns.
 */
export interface CompiledExperiment {
  readonly def: ExperimentDefinition;
  readonly key: string;
  readonly status: 'draft' | 'running' | 'stopped';
  readonly bucketBy: string;
  readonly trafficSalt: string;
  /** Units with a traffic bucket below this enter (no layer). */
  readonly trafficLimit: number;
  readonly variantKeys: string[];
  readonly variantSalts: string[];
  readonly weights: number[];
  /** Layer only: the salt of the layer's bucket and this experiment's slice [start, end) of it. */
  readonly layer?: { salt: string; start: number; end: number };
}

/** The unit an experiment buckets by: an own, non-empty string (or finite number) attribute of the context. */
export function unitOf(ctx: EvaluationContext | undefined, bucketBy: string): string | undefined {
  if (!ctx || typeof ctx !== 'object' || !Object.hasOwn(ctx, bucketBy)) return undefined;
  const v = ctx[bucketBy];
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * How a layer's bucket space [0, 100000) is shared: experiments sorted by key, each taking `trafficAllocation`
 * percent (default 100) of the layer in turn; a slice that would pass the end is cut there. Slices never overlap,
 * so no unit is ever in two experiments of one layer. Every experiment keeps its slice whatever its status; only
 * deleting it, adding one or changing an allocation moves the slices after it.
 */
export function layerSlices(defs: readonly ExperimentDefinition[]): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  let start = 0;
  for (const d of [...defs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const size = Math.round((d.trafficAllocation ?? 100) * (BUCKETS / 100));
    const end = Math.min(BUCKETS, start + size);
    out.set(d.key, { start, end });
    start = end;
  }
  return out;
}

/** Compiles one experiment; `layerPeers` are all experiments of its layer (itself included). */
export function compileExperiment(def: ExperimentDefinition, layerPeers?: readonly ExperimentDefinition[]): CompiledExperiment {
  const salt = def.salt ?? def.key;
  let layer: CompiledExperiment['layer'];
  if (def.layer !== undefined) {
    const peers = layerPeers?.some((p) => p.key === def.key) ? layerPeers : [...(layerPeers ?? []), def];
    const slice = layerSlices(peers.filter((p) => p.layer === def.layer)).get(def.key) ?? { start: 0, end: 0 };
    layer = { salt: `layer:${def.layer}`, ...slice };
  }
  return {
    def,
    key: def.key,
    status: def.status ?? 'running',
    bucketBy: def.bucketBy ?? 'userId',
    trafficSalt: salt,
    trafficLimit: (def.trafficAllocation ?? 100) * (BUCKETS / 100),
    variantKeys: def.variants.map((v) => v.key),
    variantSalts: def.variants.map((v) => `${salt}/${v.key}`),
    weights: def.variants.map((v) => v.weight),
    layer,
  };
}

/** Compiles a whole snapshot, working out every layer's slices. */
export function compileExperiments(defs: Iterable<ExperimentDefinition>): Map<string, CompiledExperiment> {
  const all = [...defs];
  const byLayer = new Map<string, ExperimentDefinition[]>();
  for (const d of all) if (d.layer !== undefined) byLayer.set(d.layer, [...(byLayer.get(d.layer) ?? []), d]);
  return new Map(all.map((d) => [d.key, compileExperiment(d, d.layer === undefined ? undefined : byLayer.get(d.layer))]));
}

/**
 * Weighted rendezvous hashing: every variant draws an exponential "arrival time" -ln(u)/weight from the unit's
 * bucket under `salt/variant`, and the earliest wins. Variant i wins with probability weight_i / sum(weights).
 * Because each variant's draw depends only on the unit and that variant, raising one weight only moves units into
 * that variant, lowering it only moves units out of it, adding a variant only takes units from the others, and
 * removing one only re-homes its own units: the fewest units move that any change of shares allows.
 */
export function chooseVariant(c: Pick<CompiledExperiment, 'variantSalts' | 'weights'>, unit: string): number {
  let best = -1;
  let bestScore = Infinity;
  for (let i = 0; i < c.variantSalts.length; i++) {
    const u = (bucket(c.variantSalts[i]!, unit) + 0.5) / BUCKETS;
    const score = -Math.log(u) / c.weights[i]!;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/**
 * Assigns a unit to a compiled experiment. Pure: a function of the definition, the layer and the context.
 * Draft: no variant; stopped with a winner: the winner for everyone, not in the experiment; running: the layer
 * slice or traffic allocation decides entry, then the weighted variant.
 */
export function assignCompiled(c: CompiledExperiment, ctx: EvaluationContext | undefined): Assignment {
  const experiment = c.key;
  if (c.status === 'stopped') {
    return c.def.winner !== undefined
      ? { experiment, variant: c.def.winner, inExperiment: false, reason: 'WINNER' }
      : { experiment, inExperiment: false, reason: 'STOPPED' };
  }
  if (c.status === 'draft') return { experiment, inExperiment: false, reason: 'DRAFT' };
  const unit = unitOf(ctx, c.bucketBy);
  if (unit === undefined) return { experiment, inExperiment: false, reason: 'MISSING_UNIT' };
  if (c.layer) {
    const b = bucket(c.layer.salt, unit);
    if (b < c.layer.start || b >= c.layer.end) return { experiment, inExperiment: false, reason: 'LAYER' };
  } else if (c.trafficLimit < BUCKETS && bucket(c.trafficSalt, unit) >= c.trafficLimit) {
    return { experiment, inExperiment: false, reason: 'TRAFFIC_ALLOCATION' };
  }
  const i = chooseVariant(c, unit);
  return { experiment, variant: c.variantKeys[i], inExperiment: true, reason: 'ASSIGNED' };
}

/**
 * Assigns `ctx` to `def` (pure). Pass every experiment of the layer as `layerPeers` when `def` has a layer.
 * @example
 * assign({ key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }] }, { userId: 'u1' });
 * // { experiment: 'btn', variant: 'b', inExperiment: true, reason: 'ASSIGNED' }
 */
export function assign(def: ExperimentDefinition, ctx: EvaluationContext | undefined, layerPeers?: readonly ExperimentDefinition[]): Assignment {
  return assignCompiled(compileExperiment(def, layerPeers), ctx);
}
