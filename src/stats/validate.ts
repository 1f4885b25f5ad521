// Input checks shared by the tests: collect every problem with its path, then throw one ValidationError.

import { ValidationError, type ValidationIssue } from '../core/errors.js';
import type { Summary } from './types.js';

/** At most this many issues are listed for one input (a million NaNs would make a useless message). */
const MAX_ISSUES = 100;

/** Collects validation issues; `throwIfAny` raises one ValidationError listing them all. */
export class Issues {
  readonly list: ValidationIssue[] = [];
  #dropped = 0;

  add(path: string, message: string): void {
    if (this.list.length < MAX_ISSUES) this.list.push({ path, message });
    else this.#dropped++;
  }

  /** A count: finite, >= 0, and an integer. */
  count(value: unknown, path: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.add(path, `must be a finite number, got ${String(value)}`);
    else if (value < 0) this.add(path, `must not be negative, got ${value}`);
    else if (!Number.isInteger(value)) this.add(path, `must be a whole number of units, got ${value}`);
  }

  /** A finite number. */
  finite(value: unknown, path: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.add(path, `must be a finite number, got ${String(value)}`);
  }

  /** A probability strictly between 0 and 1 (alpha, power). */
  openUnit(value: unknown, path: string): void {
    if (typeof value !== 'number' || !(value > 0 && value < 1)) {
      this.add(path, `must be a number strictly between 0 and 1, got ${String(value)}`);
    }
  }

  throwIfAny(subject: string): void {
    if (this.list.length === 0) return;
    const list = this.#dropped > 0 ? [...this.list, { path: '', message: `... and ${this.#dropped} more problems` }] : this.list;
    throw new ValidationError(list, { subject });
  }
}

/** Validates an optional alpha and returns it (default 0.05). */
export function checkAlpha(issues: Issues, alpha: unknown, path = 'opts.alpha'): number {
  if (alpha === undefined) return 0.05;
  issues.openUnit(alpha, path);
  return alpha as number;
}

/** Checks a sample given as summary statistics or raw values. */
export function checkSample(issues: Issues, sample: unknown, path: string): void {
  if (Array.isArray(sample)) {
    for (let i = 0; i < sample.length; i++) {
      const v: unknown = sample[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) issues.add(`${path}[${i}]`, `must be a finite number, got ${String(v)}`);
    }
    return;
  }
  if (typeof sample !== 'object' || sample === null) {
    issues.add(path, 'must be an array of numbers or a summary { mean, variance, n }');
    return;
  }
  const s = sample as Partial<Summary>;
  issues.finite(s.mean, `${path}.mean`);
  if (typeof s.variance !== 'number' || !Number.isFinite(s.variance) || s.variance < 0) {
    issues.add(`${path}.variance`, `must be a finite number >= 0 (sample variance, ddof 1), got ${String(s.variance)}`);
  }
  issues.count(s.n, `${path}.n`);
}

/** Checks arrays of numbers (Mann-Whitney samples). */
export function checkValues(issues: Issues, values: unknown, path: string): void {
  if (!Array.isArray(values)) {
    issues.add(path, 'must be an array of numbers');
    return;
  }
  checkSample(issues, values, path);
}
