import type { ValidationIssue } from '../core/errors.js';
import { hint } from './did-you-mean.js';
import { isOperator, OPERATORS, toEpochMs, VALUE_KIND } from './operators.js';
import { regexProblem } from './regex.js';
import { parseSemver } from './semver.js';
import { checkKey, isObj, show, unknownFields } from './validate-shared.js';

const MAX_CONDITIONS = 100;
const MAX_VALUES = 10_000;
const CONDITION_FIELDS = ['attribute', 'operator', 'values', 'negate'];
const OPERATOR_ALIASES: Record<string, string> = {
  eq: 'equals', '==': 'equals', '===': 'equals', equal: 'equals', is: 'equals', oneOf: 'in', notIn: "in' with negate: true, or 'in",
  neq: "equals' with negate: true, or 'equals", regex: 'matches', match: 'matches', lessThan: 'lt', greaterThan: 'gt',
  '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte', semver: 'semverEq', segment: 'inSegment', startWith: 'startsWith', endWith: 'endsWith',
};

/**
 * Every problem of an ANDed condition list, with paths under `path` (e.g. `rules[0].conditions`).
 * Operator typos get a "did you mean" hint; values are checked against what the operator compares.
 * @example validateConditions([{ attribute: 'plan', operator: 'eq', values: ['pro'] }], 'audience') // [{ path: 'audience[0].operator', ... }]
 */
export function validateConditions(conditions: unknown, path: string, opts: { allowSegments?: boolean } = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(conditions)) return [{ path, message: `conditions must be an array (an empty array matches everyone), got ${conditions === null ? 'null' : typeof conditions}` }];
  if (conditions.length > MAX_CONDITIONS) issues.push({ path, message: `holds ${conditions.length} conditions; the limit is ${MAX_CONDITIONS}` });
  conditions.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) {
      issues.push({ path: p, message: 'a condition must be an object { attribute, operator, values, negate? }' });
      return;
    }
    unknownFields(c, CONDITION_FIELDS, p, issues);
    if (typeof c.attribute !== 'string' || c.attribute.length === 0 || c.attribute.length > 256) {
      issues.push({ path: `${p}.attribute`, message: 'attribute must be a non-empty string of at most 256 characters (e.g. userId, country, groups)' });
    }
    if (c.negate !== undefined && typeof c.negate !== 'boolean') issues.push({ path: `${p}.negate`, message: 'negate must be a boolean' });
    const op = c.operator;
    if (!isOperator(op)) {
      issues.push({
        path: `${p}.operator`,
        message:
          typeof op === 'string'
            ? `unknown operator '${op.slice(0, 64)}'${hint(op, OPERATORS, OPERATOR_ALIASES)}`
            : `operator must be one of ${OPERATORS.join(', ')}`,
      });
      return;
    }
    if (op === 'inSegment' && opts.allowSegments === false) {
      issues.push({ path: `${p}.operator`, message: "'inSegment' cannot be used inside a segment's rules; list the conditions instead" });
    }
    const values = c.values;
    if (values === undefined && op === 'exists') return;
    if (!Array.isArray(values)) {
      issues.push({ path: `${p}.values`, message: `values must be an array${op === 'exists' ? ' (ignored by exists)' : ''}, got ${values === null ? 'null' : typeof values}` });
      return;
    }
    if (values.length > MAX_VALUES) issues.push({ path: `${p}.values`, message: `holds ${values.length} values; the limit is ${MAX_VALUES}` });
    const kind = VALUE_KIND[op];
    values.forEach((v: unknown, j) => {
      const vp = `${p}.values[${j}]`;
      if (typeof v === 'number' && !Number.isFinite(v)) return void issues.push({ path: vp, message: `${v} is not a finite number` });
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        return void issues.push({ path: vp, message: `values must be strings, numbers or booleans, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}` });
      }
      switch (kind) {
        case 'string':
        case 'segment':
          if (typeof v !== 'string') issues.push({ path: vp, message: `'${op}' compares strings; got the ${typeof v} ${show(v)}${typeof v === 'number' ? ` (write '${v}')` : ''}` });
          else if (kind === 'segment') checkKey(v, vp, 'segment', issues);
          break;
        case 'number':
          if (typeof v !== 'number') issues.push({ path: vp, message: `'${op}' compares numbers; got the ${typeof v} ${show(v)}${typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? ` (write ${Number(v)} without quotes)` : ''}` });
          break;
        case 'date':
          if (toEpochMs(v) === undefined) issues.push({ path: vp, message: `'${op}' takes an ISO-8601 date ('2025-01-31') or date-time with Z or an offset ('2025-01-31T12:00:00Z'), or epoch milliseconds; got ${show(v)}` });
          break;
        case 'semver':
          if (typeof v !== 'string' || !parseSemver(v)) issues.push({ path: vp, message: `'${op}' takes SemVer 2.0 versions like '1.4.0' or 'v2.0.0-beta.1'; got ${show(v)}` });
          break;
        case 'regex': {
          const problem = regexProblem(v);
          if (problem) issues.push({ path: vp, message: problem });
          break;
        }
        default:
          break;
      }
    });
  });
  return issues;
}
