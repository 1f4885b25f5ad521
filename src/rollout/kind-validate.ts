// Validation shared by blue-green, rings and guarded flag rollouts: checks, and an Analysis whose step settings
// belong to the kind (steps, rings, iterations) rather than to the user's analysis block. Names, handlers and the
// final ValidationError are in option-checks.ts, shared with the canary.
import type { ValidationIssue } from '../core/errors.js';
import { isObj } from './option-checks.js';
import type { Analysis, Check } from './types.js';
import { resolveAnalysis, type ResolvedAnalysis } from './validate.js';

const isHttpUrl = (u: unknown): boolean => {
  try {
    return typeof u === 'string' && /^https?:$/.test(new URL(u).protocol);
  } catch {
    return false;
  }
};

/** Checks a list of `Check`s: a name each (unique), exactly one of `run` or `url`, a positive timeout. */
export function checkChecks(checks: unknown, path: string, issues: ValidationIssue[]): Check[] {
  if (checks === undefined) return [];
  if (!Array.isArray(checks)) {
    issues.push({ path, message: 'must be an array of checks { name, run } or { name, url, timeoutMs? }' });
    return [];
  }
  const names = new Set<string>();
  checks.forEach((c: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) return void issues.push({ path: p, message: 'must be { name, run } or { name, url, timeoutMs? }' });
    if (typeof c.name !== 'string' || !c.name) issues.push({ path: `${p}.name`, message: 'must be a non-empty string' });
    else if (names.has(c.name)) issues.push({ path: `${p}.name`, message: `duplicate check '${c.name}': give each check its own name` });
    else names.add(c.name);
    if ((c.run === undefined) === (c.url === undefined)) issues.push({ path: p, message: 'needs exactly one of run (a function) or url (HTTP POST, 2xx passes)' });
    if (c.run !== undefined && typeof c.run !== 'function') issues.push({ path: `${p}.run`, message: 'must be a function () => boolean | Promise<boolean>' });
    if (c.url !== undefined && !isHttpUrl(c.url)) issues.push({ path: `${p}.url`, message: `must be an absolute http(s) URL, got ${JSON.stringify(c.url)}` });
    if (c.timeoutMs !== undefined && !(typeof c.timeoutMs === 'number' && Number.isFinite(c.timeoutMs) && c.timeoutMs > 0)) {
      issues.push({ path: `${p}.timeoutMs`, message: 'must be a positive number of milliseconds' });
    }
  });
  return checks as Check[];
}

const NO_STEPS: Partial<Analysis> = { stepWeight: undefined, stepWeights: undefined, maxWeight: undefined, iterations: undefined };

/**
 * Resolves an Analysis for a rollout kind that sets the step settings itself: `forbidden` fields of the user's
 * analysis are reported (with `why`), the step settings are the kind's (`inject`; those it leaves out are unset),
 * and issue paths are rewritten under `path`.
 */
export function resolveKindAnalysis(
  a: unknown,
  path: string,
  issues: ValidationIssue[],
  forbidden: readonly (keyof Analysis)[],
  why: string,
  inject: Partial<Analysis>,
): ResolvedAnalysis | undefined {
  if (!isObj(a)) {
    issues.push({ path, message: 'must be an object { interval, threshold, metrics, webhooks? }' });
    return undefined;
  }
  for (const k of forbidden) if (a[k] !== undefined) issues.push({ path: `${path}.${k}`, message: why });
  const own: ValidationIssue[] = [];
  const resolved = resolveAnalysis({ ...a, ...NO_STEPS, ...inject }, own);
  for (const i of own) issues.push({ ...i, path: i.path.replace(/^analysis/, path) });
  return resolved;
}
