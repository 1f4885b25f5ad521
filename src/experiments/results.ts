import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { adjustPValues, mixtureSprtMeans, mixtureSprtProportions, srmTest, twoProportionZTest, welchTTest } from '../stats/index.js';
import type { Comparison, ExperimentDefinition, ExperimentResults, ResultsOptions, VariantMetricResult } from './types.js';

/** Per-variant sufficient statistics read from the experiment's counter set. */
interface Arm {
  units: number;
  conversions: number;
  sum: number;
  sumsq: number;
}

const CORRECTIONS = ['holm', 'bonferroni', 'none'];

/** Checks the options of `results`; throws one ValidationError listing every problem. */
export function checkResultsOptions(opts: unknown): asserts opts is ResultsOptions | undefined {
  if (opts === undefined) return;
  const issues: ValidationIssue[] = [];
  if (typeof opts !== 'object' || opts === null) throw new ValidationError([{ path: '', message: 'options must be an object { alpha?, correction?, sequential? }' }]);
  const o = opts as Record<string, unknown>;
  if (o.alpha !== undefined && (typeof o.alpha !== 'number' || !(o.alpha > 0 && o.alpha < 1))) {
    issues.push({ path: 'alpha', message: `must be a number strictly between 0 and 1 (e.g. 0.05), got ${String(o.alpha)}` });
  }
  if (o.correction !== undefined && !CORRECTIONS.includes(o.correction as string)) {
    issues.push({ path: 'correction', message: `must be 'holm', 'bonferroni' or 'none', got ${String(o.correction)}` });
  }
  if (o.plannedUnitsPerArm !== undefined && (typeof o.plannedUnitsPerArm !== 'number' || !Number.isFinite(o.plannedUnitsPerArm) || o.plannedUnitsPerArm < 2)) {
    issues.push({ path: 'plannedUnitsPerArm', message: `must be a number >= 2 (units per arm you plan to reach), got ${String(o.plannedUnitsPerArm)}` });
  }
  if (o.sequential !== undefined && typeof o.sequential !== 'boolean') issues.push({ path: 'sequential', message: `must be a boolean, got ${String(o.sequential)}` });
  if (issues.length) throw new ValidationError(issues, { subject: 'results options' });
}

const nonNegative = (x: number | undefined): number => (x !== undefined && Number.isFinite(x) && x > 0 ? x : 0);

function armOf(counters: Record<string, number>, variant: string, metric?: string): Arm {
  const units = nonNegative(counters[`units:${variant}`]);
  if (metric === undefined) return { units, conversions: 0, sum: 0, sumsq: 0 };
  return {
    units,
    // a crash between two counter writes could leave a conversion without its exposure; never report rate > 1
    conversions: Math.min(units, nonNegative(counters[`conv:${metric}:${variant}`])),
    sum: counters[`sum:${metric}:${variant}`] ?? 0,
    sumsq: nonNegative(counters[`sumsq:${metric}:${variant}`]),
  };
}

/** Per-unit mean and sample variance (ddof 1) from the sum and sum of squares of per-unit totals; NaN when undefined. */
export function meanVariance(n: number, sum: number, sumsq: number): { mean: number; variance: number } {
  const mean = n > 0 ? sum / n : NaN;
  const variance = n > 1 ? Math.max(0, (sumsq - sum * mean) / (n - 1)) : NaN;
  return { mean, variance };
}

const NAN_COMPARISON = { difference: NaN, relativeLift: NaN, ci: [NaN, NaN] as [number, number], pValue: NaN };

/**
 * Computes the results table from an experiment's counters (pure). Every treatment is compared with the control on
 * every metric; p-values are adjusted per metric across treatments (Holm by default); `sequential` swaps the
 * fixed-horizon p-values and intervals for always-valid ones (mixture SPRT).
 */
export function computeResults(def: ExperimentDefinition, counters: Record<string, number>, opts: ResultsOptions = {}): ExperimentResults {
  const alpha = opts.alpha ?? 0.05;
  const correction = opts.correction ?? 'holm';
  const control = def.control ?? def.variants[0]!.key;
  const metrics = def.metrics ?? [];

  const variants = def.variants.map((v) => {
    const out: Record<string, VariantMetricResult> = {};
    for (const m of metrics) {
      const a = armOf(counters, v.key, m.key);
      out[m.key] =
        m.type === 'binomial'
          ? { conversions: a.conversions, rate: a.units > 0 ? a.conversions / a.units : NaN }
          : meanVariance(a.units, a.sum, a.sumsq);
    }
    return { key: v.key, units: armOf(counters, v.key).units, metrics: out };
  });

  const comparisons: Comparison[] = [];
  for (const m of metrics) {
    const c = armOf(counters, control, m.key);
    const rows: Comparison[] = [];
    for (const v of def.variants) {
      if (v.key === control) continue;
      const t = armOf(counters, v.key, m.key);
      const sequential = opts.sequential === true ? { alpha, plannedUnitsPerArm: opts.plannedUnitsPerArm } : undefined;
      rows.push({ variant: v.key, metric: m.key, ...compare(m.type, c, t, alpha, sequential), adjustedPValue: NaN, significant: false });
    }
    const finite = rows.map((r, i) => ({ p: r.pValue, i })).filter((x) => Number.isFinite(x.p));
    const adjusted = finite.length ? adjustPValues(finite.map((x) => x.p), correction) : [];
    finite.forEach((x, j) => {
      rows[x.i]!.adjustedPValue = adjusted[j] ?? NaN;
    });
    for (const r of rows) {
      const p = correction === 'none' ? r.pValue : r.adjustedPValue;
      r.significant = Number.isFinite(p) && p < alpha;
    }
    comparisons.push(...rows);
  }

  return { experiment: def.key, control, variants, comparisons, srm: srm(def, variants.map((v) => v.units)) };
}

function compare(
  type: 'binomial' | 'continuous',
  c: Arm,
  t: Arm,
  alpha: number,
  sequential: { alpha: number; plannedUnitsPerArm?: number } | undefined,
): Omit<Comparison, 'variant' | 'metric' | 'adjustedPValue' | 'significant'> {
  try {
    if (type === 'binomial') {
      const a = { users: c.units, conversions: c.conversions };
      const b = { users: t.units, conversions: t.conversions };
      const z = twoProportionZTest(a, b, { alpha });
      const base = { difference: z.difference, relativeLift: z.relativeLift, zScore: z.zScore };
      if (!sequential) return { ...base, ci: z.ci, pValue: z.pValue };
      const s = mixtureSprtProportions(a, b, sequential);
      return { ...base, ci: s.ci, pValue: s.pValue };
    }
    const a = { n: c.units, ...meanVariance(c.units, c.sum, c.sumsq) };
    const b = { n: t.units, ...meanVariance(t.units, t.sum, t.sumsq) };
    if (a.n < 2 || b.n < 2) {
      return { ...NAN_COMPARISON, difference: b.mean - a.mean, relativeLift: a.mean !== 0 ? (b.mean - a.mean) / a.mean : NaN, tStatistic: NaN };
    }
    const w = welchTTest(a, b, { alpha });
    const base = { difference: w.difference, relativeLift: w.relativeLift, tStatistic: w.tStatistic };
    if (!sequential) return { ...base, ci: w.ci, pValue: w.pValue };
    const s = mixtureSprtMeans(a, b, sequential);
    return { ...base, ci: s.ci, pValue: s.pValue };
  } catch {
    // counters that no test accepts (an arm without units) give an undefined comparison, never an exception
    return type === 'binomial' ? { ...NAN_COMPARISON, zScore: NaN } : { ...NAN_COMPARISON, tStatistic: NaN };
  }
}

function srm(def: ExperimentDefinition, units: number[]): ExperimentResults['srm'] {
  if (units.reduce((s, u) => s + u, 0) === 0) return { chiSquare: NaN, pValue: NaN, mismatch: false };
  try {
    const r = srmTest(units, def.variants.map((v) => v.weight));
    return { chiSquare: r.chiSquare, pValue: r.pValue, mismatch: r.mismatch };
  } catch {
    return { chiSquare: NaN, pValue: NaN, mismatch: false };
  }
}
