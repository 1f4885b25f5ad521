// The flag edit form: what it shows of a definition (enabled, description, the percentage or per-variant weights of
// the serve that splits traffic, targets per variant), how a submitted form changes a definition, and where each
// validation issue of the library belongs on the form.
import { createHash } from 'node:crypto';
import type { ValidationIssue } from '../core/errors.js';
import type { FlagDefinition, Serve } from '../flags/types.js';
import type { FormData } from './body.js';

/** What the edit form shows of a flag. */
export interface FlagEditModel {
  /** Variants exactly on/off: the form shows one percentage (of units served 'on'). */
  booleanShaped: boolean;
  /** Where the edited serve lives: 'fallthrough', or `rules[i].serve` for a booleanFlag() built with gates. */
  servePath: string;
  percentage: number;
  weights: Record<string, number>;
  targets: Record<string, string[]>;
  variants: string[];
  description: string;
  /** Hash of the editable part: a form based on an older version is refused instead of overwriting. */
  fingerprint: string;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function variantNames(def: FlagDefinition): string[] {
  return def.variants ? Object.keys(def.variants) : ['on', 'off'];
}

function isBooleanShaped(def: FlagDefinition): boolean {
  if (!def.variants) return true;
  const keys = Object.keys(def.variants);
  return keys.length === 2 && def.variants.on === true && def.variants.off === false && (def.offVariant ?? 'off') === 'off';
}

function gatesRuleIndex(def: FlagDefinition): number {
  const ft = def.fallthrough;
  if (!ft || !('variant' in ft) || ft.variant !== 'off') return -1;
  return (def.rules ?? []).findIndex((r) => r.id === 'gates');
}

function currentServe(def: FlagDefinition): { serve: Serve; path: string } {
  const gi = isBooleanShaped(def) ? gatesRuleIndex(def) : -1;
  if (gi >= 0) return { serve: def.rules![gi]!.serve, path: `rules[${gi}].serve` };
  return { serve: def.fallthrough ?? { variant: 'on' }, path: 'fallthrough' };
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The fingerprint of the fields the form edits. */
export function fingerprint(def: FlagDefinition): string {
  const { serve } = currentServe(def);
  return createHash('sha256')
    .update(canonical({ d: def.description ?? '', s: serve, t: def.targets ?? {} }))
    .digest('base64url')
    .slice(0, 22);
}

function weightsOf(serve: Serve, variants: string[]): { weights: Record<string, number>; total: number } {
  const weights: Record<string, number> = {};
  for (const v of variants) weights[v] = 0;
  if ('variant' in serve) weights[serve.variant] = 100;
  else for (const e of serve.split) weights[e.variant] = (weights[e.variant] ?? 0) + e.weight;
  return { weights, total: Object.values(weights).reduce((a, b) => a + b, 0) };
}

/** What the list shows: the percent served 'on' (boolean-shaped flags), else the serve itself. Cheap. */
export function serveSummaryOf(def: FlagDefinition): { booleanShaped: boolean; gated: boolean; percentage: number; serve: Serve } {
  const { serve, path } = currentServe(def);
  const booleanShaped = isBooleanShaped(def);
  const { weights, total } = weightsOf(serve, variantNames(def));
  return { booleanShaped, gated: path !== 'fallthrough', percentage: total > 0 ? round3(((weights.on ?? 0) / total) * 100) : 0, serve };
}

/** The form's view of a definition. */
export function editModel(def: FlagDefinition): FlagEditModel {
  const variants = variantNames(def);
  const { serve, path } = currentServe(def);
  const { weights, total } = weightsOf(serve, variants);
  const targets: Record<string, string[]> = {};
  for (const v of variants) targets[v] = [...(def.targets?.[v] ?? [])];
  return {
    booleanShaped: isBooleanShaped(def),
    servePath: path,
    percentage: total > 0 ? round3(((weights.on ?? 0) / total) * 100) : 0,
    weights,
    targets,
    variants,
    description: def.description ?? '',
    fingerprint: fingerprint(def),
  };
}

/** Splits a textarea of user ids (one per line, or separated by commas or spaces); de-duplicated, order kept. */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((s) => s.length > 0))];
}

function parsePercent(text: string): number | undefined {
  const t = text.trim().replace(/%$/, '').trim();
  if (!/^[+]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Applies the submitted fields (only those present) to a copy of `def`. Form-level problems (a percentage that is
 * not a number from 0 to 100, ...) come back as issues with field names as paths; nothing is applied then.
 */
export function applyForm(def: FlagDefinition, form: FormData): { def: FlagDefinition; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const next = structuredClone(def);
  const model = editModel(def);
  const { serve: old } = currentServe(def);
  const bucketBy = 'split' in old ? old.bucketBy : undefined;
  const withBucket = (s: Serve): Serve => ('split' in s && bucketBy !== undefined ? { ...s, bucketBy } : s);
  let serve: Serve | undefined;

  if (form.description !== undefined) {
    const d = form.description.trim();
    if (d.length > 1000) issues.push({ path: 'description', message: `at most 1000 characters (got ${d.length})` });
    else if (d) next.description = d;
    else delete next.description;
  }
  if (model.booleanShaped && form.percentage !== undefined) {
    const p = parsePercent(form.percentage);
    if (p === undefined || p < 0 || p > 100) issues.push({ path: 'percentage', message: `enter a number from 0 to 100 (the percent of users served 'on'), got '${form.percentage.slice(0, 40)}'` });
    else {
      serve = p >= 100 ? { variant: 'on' } : p <= 0 ? { variant: 'off' } : withBucket({ split: [{ variant: 'on', weight: round3(p) }, { variant: 'off', weight: round3(100 - p) }] });
    }
  } else if (!model.booleanShaped && model.variants.some((v) => form[`weight.${v}`] !== undefined)) {
    const entries: { variant: string; weight: number }[] = [];
    let bad = false;
    for (const v of model.variants) {
      const text = form[`weight.${v}`];
      if (text === undefined || text.trim() === '') continue;
      const w = parsePercent(text);
      if (w === undefined || w > 1_000_000) {
        issues.push({ path: `weight.${v}`, message: `enter a number >= 0 (weights are relative), got '${text.slice(0, 40)}'` });
        bad = true;
      } else if (w > 0) entries.push({ variant: v, weight: w });
    }
    if (!bad && entries.length === 0) issues.push({ path: 'weights', message: 'give at least one variant a positive weight' });
    else if (!bad) serve = entries.length === 1 ? { variant: entries[0]!.variant } : withBucket({ split: entries });
  }
  if (serve) {
    if (model.servePath === 'fallthrough') next.fallthrough = serve;
    else next.rules![gatesRuleIndex(def)]!.serve = serve;
  }
  if (model.variants.some((v) => form[`targets.${v}`] !== undefined)) {
    const targets: Record<string, string[]> = {};
    for (const v of model.variants) {
      const text = form[`targets.${v}`];
      const ids = text === undefined ? (def.targets?.[v] ?? []) : parseIds(text);
      if (ids.length) targets[v] = ids;
    }
    // targets of variants the form does not show (none today) are kept as they were
    for (const [v, ids] of Object.entries(def.targets ?? {})) if (!model.variants.includes(v)) targets[v] = ids;
    if (Object.keys(targets).length) next.targets = targets;
    else delete next.targets;
  }
  return { def: next, issues };
}

/** The form field a library validation issue belongs to ('' for the general list at the top). */
export function fieldOf(path: string, model: FlagEditModel, written: FlagDefinition): string {
  if (path === 'description' || path === 'percentage' || path === 'weights' || path.startsWith('weight.')) return path;
  if (path === model.servePath || path.startsWith(`${model.servePath}.`)) {
    if (model.booleanShaped) return 'percentage';
    const m = /^\.split\[(\d+)\]/.exec(path.slice(model.servePath.length));
    const serve = model.servePath === 'fallthrough' ? written.fallthrough : undefined;
    const entry = m && serve && 'split' in serve ? serve.split[Number(m[1])] : undefined;
    return entry ? `weight.${entry.variant}` : 'weights';
  }
  if (path === 'targets') return 'targets';
  for (const v of model.variants) if (path === `targets.${v}` || path.startsWith(`targets.${v}[`)) return `targets.${v}`;
  return '';
}
