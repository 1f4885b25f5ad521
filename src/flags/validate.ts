import type { ValidationIssue } from '../core/errors.js';
import { jsonIssues } from '../core/json.js';
import { hint } from './did-you-mean.js';
import type { FlagDefinition } from './types.js';
import { validateConditions } from './validate-conditions.js';
import { at, checkKey, checkStringArray, isObj, KEY_PATTERN, show, unknownFields } from './validate-shared.js';

export { validateConditions, KEY_PATTERN };

/** Longest prerequisite chain (A requires B requires C... counts the edges). */
export const MAX_PREREQUISITE_DEPTH = 10;

const LIMITS = { variants: 1000, rules: 1000, targets: 100_000, segmentUnits: 1_000_000, prerequisites: 100, tags: 100 };

const FLAG_FIELDS = ['key', 'enabled', 'variants', 'offVariant', 'fallthrough', 'targets', 'rules', 'prerequisites', 'salt', 'bucketBy', 'hashing', 'description', 'tags'];
const SEGMENT_FIELDS = ['key', 'included', 'excluded', 'rules'];

function checkServe(s: unknown, path: string, variants: ReadonlySet<string>, issues: ValidationIssue[]): void {
  if (!isObj(s)) return void issues.push({ path, message: "serve must be { variant: 'on' } or { split: [{ variant, weight }, ...], bucketBy? }" });
  const hasVariant = 'variant' in s;
  const hasSplit = 'split' in s;
  if (hasVariant === hasSplit) return void issues.push({ path, message: "serve needs exactly one of 'variant' or 'split'" });
  if (hasVariant) {
    unknownFields(s, ['variant'], path, issues);
    checkVariantRef(s.variant, `${path}.variant`, variants, issues);
    return;
  }
  unknownFields(s, ['split', 'bucketBy'], path, issues);
  if (s.bucketBy !== undefined && (typeof s.bucketBy !== 'string' || !s.bucketBy)) issues.push({ path: `${path}.bucketBy`, message: 'bucketBy must be a non-empty attribute name' });
  const split = s.split;
  if (!Array.isArray(split) || split.length === 0) return void issues.push({ path: `${path}.split`, message: 'split must be a non-empty array of { variant, weight }' });
  if (split.length > LIMITS.variants) issues.push({ path: `${path}.split`, message: `holds ${split.length} entries; the limit is ${LIMITS.variants}` });
  let total = 0;
  const seen = new Set<string>();
  split.forEach((e: unknown, i) => {
    const p = `${path}.split[${i}]`;
    if (!isObj(e)) return void issues.push({ path: p, message: 'must be { variant, weight }' });
    unknownFields(e, ['variant', 'weight'], p, issues);
    checkVariantRef(e.variant, `${p}.variant`, variants, issues);
    if (typeof e.variant === 'string') {
      if (seen.has(e.variant)) issues.push({ path: `${p}.variant`, message: `variant '${e.variant}' appears twice in the split; merge the weights` });
      seen.add(e.variant);
    }
    if (typeof e.weight !== 'number' || !Number.isFinite(e.weight) || e.weight < 0) {
      issues.push({ path: `${p}.weight`, message: `weight must be a finite number >= 0 (weights are relative), got ${show(e.weight)}` });
    } else total += e.weight;
  });
  if (total === 0 && split.every((e: unknown) => isObj(e) && typeof e.weight === 'number' && Number.isFinite(e.weight) && e.weight >= 0)) {
    issues.push({ path: `${path}.split`, message: 'the weights are all zero; give at least one variant a positive weight' });
  }
}

function checkVariantRef(v: unknown, path: string, variants: ReadonlySet<string>, issues: ValidationIssue[]): void {
  if (typeof v !== 'string') return void issues.push({ path, message: 'must be a variant name (a string)' });
  if (!variants.has(v)) issues.push({ path, message: `unknown variant '${v.slice(0, 64)}'${hint(v, [...variants])} (variants: ${[...variants].slice(0, 10).join(', ')})` });
}

const typeOfValue = (v: unknown) => (Array.isArray(v) || isObj(v) ? 'object' : typeof v);

/** Every problem of one flag definition on its own (no cross-flag checks), with paths under `path`. */
export function validateFlag(def: unknown, path = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObj(def)) return [{ path, message: `a flag definition must be an object { key, enabled, ... }, got ${def === null ? 'null' : Array.isArray(def) ? 'an array' : typeof def}` }];
  unknownFields(def, FLAG_FIELDS, path, issues);
  checkKey(def.key, at(path, 'key'), 'flag', issues);
  if (typeof def.enabled !== 'boolean') issues.push({ path: at(path, 'enabled'), message: `enabled must be true or false, got ${show(def.enabled)}` });
  let variantNames = new Set(['on', 'off']);
  if (def.variants !== undefined) {
    const vp = at(path, 'variants');
    if (!isObj(def.variants) || Object.keys(def.variants).length === 0) {
      issues.push({ path: vp, message: 'variants must be a non-empty object { name: value }' });
    } else {
      const entries = Object.entries(def.variants);
      variantNames = new Set(entries.map(([k]) => k));
      if (entries.length > LIMITS.variants) issues.push({ path: vp, message: `holds ${entries.length} variants; the limit is ${LIMITS.variants}` });
      const firstType = typeOfValue(entries[0]![1]);
      for (const [name, value] of entries) {
        const p = `${vp}.${name}`;
        if (name.length === 0 || name.length > 128) issues.push({ path: p, message: 'variant names must be 1 to 128 characters' });
        if (value === null || value === undefined) issues.push({ path: p, message: 'a variant value must be a boolean, string, number, object or array' });
        else issues.push(...jsonIssues(value, p));
        if (value !== null && value !== undefined && typeOfValue(value) !== firstType) {
          issues.push({ path: p, message: `every variant must have the same type; this is a ${typeOfValue(value)}, the first is a ${firstType}` });
        }
      }
    }
  }
  if (def.offVariant !== undefined) checkVariantRef(def.offVariant, at(path, 'offVariant'), variantNames, issues);
  if (def.fallthrough !== undefined) checkServe(def.fallthrough, at(path, 'fallthrough'), variantNames, issues);
  else if (!variantNames.has('on')) issues.push({ path: at(path, 'fallthrough'), message: "fallthrough defaults to { variant: 'on' }, which is not a variant here; set fallthrough" });
  if (def.targets !== undefined) {
    const tp = at(path, 'targets');
    if (!isObj(def.targets)) issues.push({ path: tp, message: 'targets must be an object { variant: [userId, ...] }' });
    else {
      const owner = new Map<string, string>();
      let count = 0;
      for (const [variant, ids] of Object.entries(def.targets)) {
        const p = `${tp}.${variant}`;
        if (!variantNames.has(variant)) issues.push({ path: p, message: `unknown variant '${variant}'${hint(variant, [...variantNames])}` });
        if (!checkStringArray(ids, p, LIMITS.targets, issues)) continue;
        count += ids.length;
        for (const id of ids) {
          const prev = owner.get(id);
          if (prev !== undefined && prev !== variant) issues.push({ path: p, message: `userId '${id.slice(0, 64)}' is also targeted to '${prev}'; a user can be targeted to one variant only` });
          owner.set(id, variant);
        }
      }
      if (count > LIMITS.targets) issues.push({ path: tp, message: `targets ${count} users; the limit is ${LIMITS.targets} (use a segment)` });
    }
  }
  if (def.rules !== undefined) {
    const rp = at(path, 'rules');
    if (!Array.isArray(def.rules)) issues.push({ path: rp, message: 'rules must be an array of { id?, conditions, serve }' });
    else {
      if (def.rules.length > LIMITS.rules) issues.push({ path: rp, message: `holds ${def.rules.length} rules; the limit is ${LIMITS.rules}` });
      const ids = new Map<string, number>();
      def.rules.forEach((r: unknown, i) => {
        const p = `${rp}[${i}]`;
        if (!isObj(r)) return void issues.push({ path: p, message: 'a rule must be an object { id?, conditions, serve }' });
        unknownFields(r, ['id', 'conditions', 'serve'], p, issues);
        if (r.id !== undefined) {
          if (typeof r.id !== 'string' || !r.id) issues.push({ path: `${p}.id`, message: 'a rule id must be a non-empty string' });
          else if (ids.has(r.id)) issues.push({ path: `${p}.id`, message: `duplicate rule id '${r.id}' (also rules[${ids.get(r.id)}])` });
          else ids.set(r.id, i);
        }
        issues.push(...validateConditions(r.conditions, `${p}.conditions`));
        checkServe(r.serve, `${p}.serve`, variantNames, issues);
      });
    }
  }
  if (def.prerequisites !== undefined) {
    const pp = at(path, 'prerequisites');
    if (!Array.isArray(def.prerequisites)) issues.push({ path: pp, message: 'prerequisites must be an array of { flag, variant }' });
    else {
      if (def.prerequisites.length > LIMITS.prerequisites) issues.push({ path: pp, message: `holds ${def.prerequisites.length} prerequisites; the limit is ${LIMITS.prerequisites}` });
      def.prerequisites.forEach((pr: unknown, i) => {
        const p = `${pp}[${i}]`;
        if (!isObj(pr)) return void issues.push({ path: p, message: 'a prerequisite must be { flag, variant }' });
        unknownFields(pr, ['flag', 'variant'], p, issues);
        checkKey(pr.flag, `${p}.flag`, 'flag', issues);
        if (typeof pr.variant !== 'string' || !pr.variant) issues.push({ path: `${p}.variant`, message: 'variant must be a variant name of the prerequisite flag' });
        if (pr.flag === def.key) issues.push({ path: `${p}.flag`, message: `prerequisite cycle: ${show(def.key)} requires itself` });
      });
    }
  }
  if (def.salt !== undefined && typeof def.salt !== 'string') issues.push({ path: at(path, 'salt'), message: 'salt must be a string' });
  if (def.bucketBy !== undefined && (typeof def.bucketBy !== 'string' || !def.bucketBy)) issues.push({ path: at(path, 'bucketBy'), message: 'bucketBy must be a non-empty attribute name' });
  if (def.hashing !== undefined && def.hashing !== 'default' && def.hashing !== 'crc32-mod100') {
    issues.push({ path: at(path, 'hashing'), message: `hashing must be 'default' or 'crc32-mod100'${typeof def.hashing === 'string' ? hint(def.hashing, ['default', 'crc32-mod100']) : ''}` });
  }
  if (def.description !== undefined && typeof def.description !== 'string') issues.push({ path: at(path, 'description'), message: 'description must be a string' });
  if (def.tags !== undefined) checkStringArray(def.tags, at(path, 'tags'), LIMITS.tags, issues);
  return issues;
}

/** Every problem of one segment definition, with paths under `path`. */
export function validateSegment(seg: unknown, path = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObj(seg)) return [{ path, message: 'a segment must be an object { key, included?, excluded?, rules? }' }];
  unknownFields(seg, SEGMENT_FIELDS, path, issues);
  checkKey(seg.key, at(path, 'key'), 'segment', issues);
  if (seg.included !== undefined) checkStringArray(seg.included, at(path, 'included'), LIMITS.segmentUnits, issues);
  if (seg.excluded !== undefined) checkStringArray(seg.excluded, at(path, 'excluded'), LIMITS.segmentUnits, issues);
  if (seg.rules !== undefined) {
    const rp = at(path, 'rules');
    if (!Array.isArray(seg.rules)) issues.push({ path: rp, message: 'rules must be an array of { conditions }' });
    else {
      if (seg.rules.length > LIMITS.rules) issues.push({ path: rp, message: `holds ${seg.rules.length} rules; the limit is ${LIMITS.rules}` });
      seg.rules.forEach((r: unknown, i) => {
        if (!isObj(r)) return void issues.push({ path: `${rp}[${i}]`, message: 'a segment rule must be { conditions }' });
        unknownFields(r, ['conditions'], `${rp}[${i}]`, issues);
        issues.push(...validateConditions(r.conditions, `${rp}[${i}].conditions`, { allowSegments: false }));
      });
    }
  }
  return issues;
}

/**
 * Cross-flag problems of `checked` flags against the whole set `flags` (which includes them): prerequisites on
 * missing flags or variants, cycles and chains deeper than 10, `inSegment` on missing segments.
 * `pathOf` gives the path prefix of a checked flag.
 */
export function crossFlagIssues(
  checked: readonly FlagDefinition[],
  flags: ReadonlyMap<string, FlagDefinition>,
  segmentKeys: ReadonlySet<string>,
  pathOf: (key: string) => string,
  /** Keys that exist but failed their own validation (not reported again as missing). */
  invalidKeys: ReadonlySet<string> = new Set(),
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // longest chain below each flag; Infinity marks a cycle
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const chainDepth = (key: string): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return Infinity;
    const def = flags.get(key);
    if (!def || !Array.isArray(def.prerequisites) || def.prerequisites.length === 0) return 0;
    visiting.add(key);
    let d = 0;
    for (const p of def.prerequisites) d = Math.max(d, flags.has(p.flag) ? 1 + chainDepth(p.flag) : 1);
    visiting.delete(key);
    depth.set(key, d);
    return d;
  };
  for (const def of checked) {
    const base = pathOf(def.key);
    (def.prerequisites ?? []).forEach((p, i) => {
      const target = flags.get(p.flag);
      const pp = at(base, `prerequisites[${i}]`);
      if (!target) {
        if (p.flag !== def.key && !invalidKeys.has(p.flag)) issues.push({ path: `${pp}.flag`, message: `prerequisite flag '${p.flag}' does not exist${hint(p.flag, [...flags.keys()])}; create it first` });
        return;
      }
      const names = Object.keys(target.variants ?? { on: true, off: false });
      if (!names.includes(p.variant)) issues.push({ path: `${pp}.variant`, message: `flag '${p.flag}' has no variant '${p.variant}'${hint(p.variant, names)}` });
    });
    const d = chainDepth(def.key);
    if (d === Infinity) {
      if (!(def.prerequisites ?? []).some((p) => p.flag === def.key)) issues.push({ path: at(base, 'prerequisites'), message: `prerequisite cycle through '${def.key}': ${cyclePath(def.key, flags)}` });
    } else if (d > MAX_PREREQUISITE_DEPTH) {
      issues.push({ path: at(base, 'prerequisites'), message: `prerequisite chain is ${d} flags deep; the limit is ${MAX_PREREQUISITE_DEPTH}` });
    }
    const checkSegs = (rules: unknown, rp: string) => {
      if (!Array.isArray(rules)) return;
      rules.forEach((r: { conditions?: unknown }, i) => {
        if (!Array.isArray(r?.conditions)) return;
        r.conditions.forEach((c: { operator?: unknown; values?: unknown }, j) => {
          if (c?.operator !== 'inSegment' || !Array.isArray(c.values)) return;
          c.values.forEach((v: unknown, k) => {
            if (typeof v === 'string' && !segmentKeys.has(v)) {
              issues.push({ path: `${rp}[${i}].conditions[${j}].values[${k}]`, message: `segment '${v}' does not exist${hint(v, [...segmentKeys])}; create it first` });
            }
          });
        });
      });
    };
    checkSegs(def.rules, at(base, 'rules'));
  }
  return issues;
}

function cyclePath(start: string, flags: ReadonlyMap<string, FlagDefinition>): string {
  const path: string[] = [];
  const onPath = new Set<string>();
  const dfs = (key: string): boolean => {
    path.push(key);
    if (onPath.has(key)) return true;
    onPath.add(key);
    for (const p of flags.get(key)?.prerequisites ?? []) if (flags.has(p.flag) && dfs(p.flag)) return true;
    onPath.delete(key);
    path.pop();
    return false;
  };
  dfs(start);
  const first = path.indexOf(path[path.length - 1]!);
  return path.slice(first).join(' -> ');
}

/**
 * Every problem of a whole document of flags and segments (what `flags import`, FileStore and the admin check):
 * each definition on its own, duplicate keys, then cross-flag problems (missing prerequisites, cycles, depth > 10,
 * missing segments). Paths look like `flags[3].rules[0].conditions[1].operator`.
 * @example const issues = validateFlagSet({ flags: doc.flags, segments: doc.segments }); if (issues.length) throw new ValidationError(issues);
 */
export function validateFlagSet(doc: { flags: unknown[]; segments: unknown[] }): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const flagsIn = Array.isArray(doc?.flags) ? doc.flags : [];
  const segsIn = Array.isArray(doc?.segments) ? doc.segments : [];
  if (doc?.flags !== undefined && !Array.isArray(doc.flags)) issues.push({ path: 'flags', message: 'flags must be an array of flag definitions' });
  if (doc?.segments !== undefined && !Array.isArray(doc.segments)) issues.push({ path: 'segments', message: 'segments must be an array of segment definitions' });
  const segmentKeys = new Set<string>();
  segsIn.forEach((s, i) => {
    const own = validateSegment(s, `segments[${i}]`);
    issues.push(...own);
    const key = (s as { key?: unknown })?.key;
    if (typeof key === 'string') {
      if (segmentKeys.has(key)) issues.push({ path: `segments[${i}].key`, message: `duplicate segment key '${key}'` });
      segmentKeys.add(key);
    }
  });
  const valid: FlagDefinition[] = [];
  const flags = new Map<string, FlagDefinition>();
  const index = new Map<string, number>();
  const invalid = new Set<string>();
  flagsIn.forEach((f, i) => {
    const own = validateFlag(f, `flags[${i}]`);
    issues.push(...own);
    const key = (f as { key?: unknown })?.key;
    if (typeof key === 'string') {
      if (index.has(key)) issues.push({ path: `flags[${i}].key`, message: `duplicate flag key '${key}' (also flags[${index.get(key)}])` });
      else index.set(key, i);
    }
    if (typeof key !== 'string') return;
    if (own.length === 0 && !flags.has(key)) {
      flags.set(key, f as FlagDefinition);
      valid.push(f as FlagDefinition);
    } else if (own.length) invalid.add(key);
  });
  issues.push(...crossFlagIssues(valid, flags, segmentKeys, (k) => `flags[${index.get(k)}]`, invalid));
  return issues;
}

export type { ValidationIssue };

/**
 * Problems a new version of `def` causes for the flags that depend on it (already in `flags`, which holds the new
 * version): a prerequisite variant it no longer has, or a chain that grows deeper than 10.
 */
export function dependentIssues(def: FlagDefinition, flags: ReadonlyMap<string, FlagDefinition>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const names = Object.keys(def.variants ?? { on: true, off: false });
  const dependents = [...flags.values()].filter((f) => f.key !== def.key && (f.prerequisites ?? []).some((p) => p.flag === def.key));
  for (const d of dependents) {
    for (const p of d.prerequisites ?? []) {
      if (p.flag === def.key && !names.includes(p.variant)) {
        issues.push({ path: 'variants', message: `flag '${d.key}' requires variant '${p.variant}' of this flag as a prerequisite; keep that variant or change '${d.key}' first` });
      }
    }
  }
  const segs = new Set<string>(); // segment references are not this check's business
  for (const i of crossFlagIssues(dependents, flags, segs, (k) => k)) {
    if (/deep|cycle/.test(i.message)) issues.push({ path: 'prerequisites', message: `dependent flag '${i.path.replace(/\.prerequisites.*$/, '')}': ${i.message}` });
  }
  return issues;
}
