import { ValidationError, type ValidationIssue } from '../core/errors.js';
import type { ShadowOptions } from './types.js';

const FLAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks shadow options as a whole; throws one ValidationError listing every problem. */
export function validateShadowOptions<Req, Res>(o: ShadowOptions<Req, Res>): void {
  const issues: ValidationIssue[] = [];
  if (o === null || typeof o !== 'object') throw new ValidationError('shadow options must be an object with name, primary and shadow', { subject: 'shadow' });
  const opts = o as unknown as Record<string, unknown>;
  const fn = (key: string, required: boolean, hint: string): void => {
    const v = opts[key];
    if (v === undefined ? required : typeof v !== 'function') issues.push({ path: key, message: `${required ? 'required: ' : ''}must be a function ${hint}` });
  };
  if (typeof o.name !== 'string' || !o.name.trim()) issues.push({ path: 'name', message: "required: a non-empty string naming the shadow, e.g. 'pricing-v2'" });
  else if (o.name.length > 128) issues.push({ path: 'name', message: 'at most 128 characters (it becomes a metric label)' });
  fn('primary', true, '(req) => result: the code path that serves');
  fn('shadow', true, '(req) => result: the candidate compared with the primary');
  fn('sampleBy', false, '(req) => string: the key for deterministic sampling');
  fn('compare', false, '(primary, shadow) => Diff[]');
  const ignore = o.ignore as unknown;
  if (ignore !== undefined && typeof ignore !== 'function' && !(Array.isArray(ignore) && ignore.every((f) => typeof f === 'function'))) {
    issues.push({ path: 'ignore', message: 'must be a function (primary, shadow) => boolean or a list of them' });
  }
  fn('runIf', false, '(req) => boolean');
  fn('context', false, '(req) => EvaluationContext, for enabledFlag');
  fn('redact', false, '(result) => result');
  fn('endpoint', false, '(req) => string, the noise-learning key');
  const range = (key: string, min: number, max: number, integer: boolean, hint: string): void => {
    const v = opts[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      issues.push({ path: key, message: `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} ${hint}` });
    }
  };
  range('percentage', 0, 100, false, '(share of calls mirrored)');
  range('timeoutMs', 1, 2_147_483_647, false, '(milliseconds)');
  range('maxConcurrent', 1, 1_000_000, true, '(in-flight shadows)');
  range('mismatchLogSize', 0, 100_000, true, '(entries kept by mismatches())');
  range('latencyWindow', 1, 1_000_000, true, '(calls kept per side for percentiles)');
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean' && typeof o.enabled !== 'function') {
    issues.push({ path: 'enabled', message: 'must be true, false or a function (req) => boolean' });
  }
  if (o.enabledFlag !== undefined && (typeof o.enabledFlag !== 'string' || !FLAG_KEY.test(o.enabledFlag))) {
    issues.push({ path: 'enabledFlag', message: 'must be a flag key (letters, digits, . _ -; at most 128 characters)' });
  }
  if (o.noise !== undefined) {
    const n = o.noise as unknown as Record<string, unknown> | null;
    if (n === null || typeof n !== 'object') issues.push({ path: 'noise', message: 'must be an object { secondary, sampleRate? }' });
    else {
      if (typeof n.secondary !== 'function') issues.push({ path: 'noise.secondary', message: 'required: (req) => result, a second call of the primary' });
      const rate = n.sampleRate;
      if (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))) issues.push({ path: 'noise.sampleRate', message: 'must be a fraction from 0 to 1' });
      for (const k of ['maxEndpoints', 'maxPaths']) {
        const v = n[k];
        if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 100_000)) issues.push({ path: `noise.${k}`, message: 'must be an integer from 1 to 100000' });
      }
    }
  }
  if (issues.length) throw new ValidationError(issues, { subject: `shadow${typeof o.name === 'string' && o.name ? ` '${o.name}'` : ''}` });
}
