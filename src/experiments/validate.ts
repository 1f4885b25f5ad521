import type { ValidationIssue } from '../core/errors.js';

/** Keys of experiments, variants, metrics and layers: safe in store keys and Prometheus labels. */
export const EXPERIMENT_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Upper bounds that keep assignment cheap and label cardinality bounded. */
export const MAX_VARIANTS = 20;
export const MAX_METRICS = 50;

const STATUSES = ['draft', 'running', 'stopped'];
const METRIC_TYPES = ['binomial', 'continuous'];
const KNOWN = new Set(['key', 'variants', 'control', 'trafficAllocation', 'layer', 'salt', 'bucketBy', 'status', 'winner', 'metrics', 'description']);

const join = (path: string, field: string): string => (path ? `${path}.${field}` : field);
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'undefined' : typeof v === 'object' ? (Array.isArray(v) ? 'an array' : v === null ? 'null' : 'an object') : String(v));

function checkKey(issues: ValidationIssue[], value: unknown, path: string, what: string): value is string {
  if (typeof value === 'string' && EXPERIMENT_KEY.test(value)) return true;
  issues.push({ path, message: `${what} must match ${EXPERIMENT_KEY} (letters, digits, '.', '_', '-'; at most 128), got ${show(value)}` });
  return false;
}

/**
 * Lists every problem of an experiment definition, each with its path (prefixed by `path`) and a hint.
 * An empty list means `def` is a valid {@link ExperimentDefinition}. Used by `experiments.put` and by stores
 * that read definitions from files.
 * @example
 * validateExperiment({ key: 'x', variants: [{ key: 'a', weight: 0 }] });
 * // [{ path: 'variants', message: 'needs at least 2 variants ...' }, { path: 'variants[0].weight', message: ... }]
 */
export function validateExperiment(def: unknown, path = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof def !== 'object' || def === null || Array.isArray(def)) {
    return [{ path, message: `an experiment definition must be an object with key and variants, got ${show(def)}` }];
  }
  const d = def as Record<string, unknown>;
  for (const field of Object.keys(d)) {
    if (!KNOWN.has(field) && d[field] !== undefined) {
      issues.push({ path: join(path, field), message: `unknown field; the fields are ${[...KNOWN].join(', ')}` });
    }
  }
  checkKey(issues, d.key, join(path, 'key'), 'key');

  const variantKeys = new Set<string>();
  if (!Array.isArray(d.variants)) {
    issues.push({ path: join(path, 'variants'), message: `must be an array of { key, weight } with at least 2 variants, got ${show(d.variants)}` });
  } else {
    if (d.variants.length < 2) issues.push({ path: join(path, 'variants'), message: `needs at least 2 variants (a control and a treatment), got ${d.variants.length}` });
    if (d.variants.length > MAX_VARIANTS) issues.push({ path: join(path, 'variants'), message: `at most ${MAX_VARIANTS} variants, got ${d.variants.length}` });
    d.variants.forEach((v: unknown, i) => {
      const p = `${join(path, 'variants')}[${i}]`;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        issues.push({ path: p, message: `must be an object { key, weight }, got ${show(v)}` });
        return;
      }
      const vv = v as Record<string, unknown>;
      for (const f of Object.keys(vv)) if (f !== 'key' && f !== 'weight') issues.push({ path: `${p}.${f}`, message: 'unknown field; a variant has only key and weight' });
      if (checkKey(issues, vv.key, `${p}.key`, 'variant key')) {
        if (variantKeys.has(vv.key)) issues.push({ path: `${p}.key`, message: `duplicate variant key '${vv.key}': variant keys must be unique` });
        variantKeys.add(vv.key);
      }
      if (typeof vv.weight !== 'number' || !Number.isFinite(vv.weight) || vv.weight <= 0) {
        issues.push({ path: `${p}.weight`, message: `must be a positive finite number (weights are relative), got ${show(vv.weight)}` });
      }
    });
  }

  const mustBeVariant = (field: 'control' | 'winner'): void => {
    const v = d[field];
    if (v === undefined) return;
    if (typeof v !== 'string' || !variantKeys.has(v)) {
      const known = [...variantKeys].map((k) => `'${k}'`).join(', ');
      issues.push({ path: join(path, field), message: `must be one of the variant keys (${known || 'none defined'}), got ${show(v)}` });
    }
  };
  mustBeVariant('control');
  mustBeVariant('winner');

  if (d.trafficAllocation !== undefined) {
    const t = d.trafficAllocation;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 100) {
      issues.push({ path: join(path, 'trafficAllocation'), message: `must be a percentage in [0, 100], got ${show(t)}` });
    }
  }
  if (d.layer !== undefined) checkKey(issues, d.layer, join(path, 'layer'), 'layer');
  if (d.salt !== undefined && (typeof d.salt !== 'string' || d.salt.length === 0 || d.salt.length > 256)) {
    issues.push({ path: join(path, 'salt'), message: `must be a non-empty string of at most 256 characters, got ${show(d.salt)}` });
  }
  if (d.bucketBy !== undefined && (typeof d.bucketBy !== 'string' || d.bucketBy.length === 0 || d.bucketBy.length > 256)) {
    issues.push({ path: join(path, 'bucketBy'), message: `must be the name of a context attribute (non-empty string), got ${show(d.bucketBy)}` });
  }
  if (d.status !== undefined && (typeof d.status !== 'string' || !STATUSES.includes(d.status))) {
    issues.push({ path: join(path, 'status'), message: `must be one of 'draft', 'running', 'stopped', got ${show(d.status)}` });
  }
  if (d.winner !== undefined && d.status !== 'stopped') {
    issues.push({ path: join(path, 'winner'), message: `a winner is served only when the experiment is stopped: set status: 'stopped' too, or remove winner` });
  }
  if (d.description !== undefined && (typeof d.description !== 'string' || d.description.length > 4096)) {
    issues.push({ path: join(path, 'description'), message: `must be a string of at most 4096 characters, got ${show(d.description)}` });
  }

  if (d.metrics !== undefined) {
    if (!Array.isArray(d.metrics)) {
      issues.push({ path: join(path, 'metrics'), message: `must be an array of { key, type: 'binomial' | 'continuous' }, got ${show(d.metrics)}` });
    } else {
      if (d.metrics.length > MAX_METRICS) issues.push({ path: join(path, 'metrics'), message: `at most ${MAX_METRICS} metrics, got ${d.metrics.length}` });
      const metricKeys = new Set<string>();
      d.metrics.forEach((m: unknown, i) => {
        const p = `${join(path, 'metrics')}[${i}]`;
        if (typeof m !== 'object' || m === null || Array.isArray(m)) {
          issues.push({ path: p, message: `must be an object { key, type }, got ${show(m)}` });
          return;
        }
        const mm = m as Record<string, unknown>;
        for (const f of Object.keys(mm)) if (f !== 'key' && f !== 'type') issues.push({ path: `${p}.${f}`, message: 'unknown field; a metric has only key and type' });
        if (checkKey(issues, mm.key, `${p}.key`, 'metric key')) {
          if (metricKeys.has(mm.key)) issues.push({ path: `${p}.key`, message: `duplicate metric key '${mm.key}'` });
          metricKeys.add(mm.key);
        }
        if (typeof mm.type !== 'string' || !METRIC_TYPES.includes(mm.type)) {
          issues.push({ path: `${p}.type`, message: `must be 'binomial' (unique converting units) or 'continuous' (per-unit totals), got ${show(mm.type)}` });
        }
      });
    }
  }
  return issues;
}
