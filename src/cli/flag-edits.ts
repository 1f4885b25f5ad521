// The edits `flags enable | disable | set | target` make, as pure functions of a definition. Each leaves every
// other field as it was; the result is validated before it is written.
import type { FlagDefinition, Serve } from '../flags/types.js';
import { CliFailure } from './errors.js';

const variantsOf = (def: FlagDefinition): string[] => Object.keys(def.variants ?? { on: true, off: false });

/** Turns the kill switch on or off. */
export function setEnabled(def: FlagDefinition, enabled: boolean): FlagDefinition {
  return { ...def, enabled };
}

export interface PercentageOptions {
  /** The variant that gets `percentage`%. @default 'on' */
  variant?: string;
  /** Change the serve of the rule with this id instead of the fallthrough. */
  rule?: string;
}

/**
 * What `set KEY --percentage N` does: the fallthrough (or the rule `rule`) serves `variant` (default 'on') to N% of
 * units and the flag's off variant (offVariant, default 'off') to the rest. N = 100 serves `variant` alone, N = 0
 * the off variant alone, anything between a split `[{ variant, weight: N }, { off, weight: 100 - N }]` that keeps
 * the previous split's `bucketBy`. A unit inside an N% split stays inside when N grows. Targets, other rules and
 * the kill switch are untouched.
 */
export function setPercentage(def: FlagDefinition, percentage: number, opts: PercentageOptions = {}): FlagDefinition {
  const on = opts.variant ?? 'on';
  const off = def.offVariant ?? 'off';
  const names = variantsOf(def);
  for (const v of [on, off]) {
    if (!names.includes(v)) throw new CliFailure(`flag '${def.key}' has no variant '${v}' (it has ${names.join(', ')}); choose one with --variant, or edit the flag with 'flags put'`, 'INVALID_EDIT');
  }
  if (on === off) throw new CliFailure(`--variant '${on}' is the flag's off variant; a percentage splits between another variant and '${off}'`, 'INVALID_EDIT');
  const serve = (prev: Serve | undefined): Serve => {
    if (percentage >= 100) return { variant: on };
    if (percentage <= 0) return { variant: off };
    const bucketBy = prev && 'split' in prev ? prev.bucketBy : undefined;
    return { split: [{ variant: on, weight: percentage }, { variant: off, weight: round(100 - percentage) }], ...(bucketBy !== undefined ? { bucketBy } : {}) };
  };
  if (opts.rule === undefined) return { ...def, fallthrough: serve(def.fallthrough) };
  const rules = def.rules ?? [];
  const i = rules.findIndex((r) => r.id === opts.rule);
  if (i < 0) {
    const ids = rules.map((r) => r.id).filter((x): x is string => x !== undefined);
    throw new CliFailure(`flag '${def.key}' has no rule with id '${opts.rule}'${ids.length ? ` (rule ids: ${ids.join(', ')})` : ' (its rules have no ids)'}`, 'INVALID_EDIT');
  }
  return { ...def, rules: rules.map((r, j) => (j === i ? { ...r, serve: serve(r.serve) } : r)) };
}

// 100 - 33.3 is 66.7 and not 66.69999999999999: percentages have at most 3 decimals (0.001% resolution)
const round = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * What `target KEY VARIANT USER...` does: the users are served VARIANT individually (targets), and taken out of
 * every other variant's targets, so each user has one target. With `remove`, they are taken out of VARIANT's
 * targets instead. Empty target lists are dropped.
 */
export function setTargets(def: FlagDefinition, variant: string, users: readonly string[], remove = false): FlagDefinition {
  const names = variantsOf(def);
  if (!names.includes(variant)) throw new CliFailure(`flag '${def.key}' has no variant '${variant}' (it has ${names.join(', ')})`, 'INVALID_EDIT');
  const drop = new Set(users);
  const targets: Record<string, string[]> = {};
  for (const [v, ids] of Object.entries(def.targets ?? {})) {
    // adding: out of every other variant; removing: out of this variant only
    const kept = (v === variant) === remove ? ids.filter((u) => !drop.has(u)) : ids;
    if (kept.length) targets[v] = kept;
  }
  if (!remove) {
    const list = targets[variant] ?? [];
    for (const u of users) if (!list.includes(u)) list.push(u);
    if (list.length) targets[variant] = list;
  }
  const next: FlagDefinition = { ...def, targets };
  if (Object.keys(targets).length === 0) delete next.targets;
  return next;
}

/** Parses a percentage argument: a number from 0 to 100 with at most 3 decimals. */
export function parsePercentage(text: string): number | string {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) return `--percentage must be a number from 0 to 100, got '${text}'`;
  if (Math.round(n * 1000) !== n * 1000 && Math.abs(Math.round(n * 1000) - n * 1000) > 1e-6) return `--percentage has at most 3 decimals (0.001% resolution), got '${text}'`;
  return n;
}
