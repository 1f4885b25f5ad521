// Regularized incomplete gamma functions: the series for P below x = a + 1, the continued fraction for Q above
// (each on the side where it converges and keeps its digits), the other as 1 minus it.

import { logGamma, stirlingCorrection } from './log-gamma.js';

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;
const LOG_2PI = 1.8378770664093453;

/** t - ln(1 + t) without cancellation for small t. */
function log1pmx(t: number): number {
  if (Math.abs(t) > 0.1) return t - Math.log1p(t);
  let term = -t;
  let sum = 0;
  for (let k = 2; k < 60; k++) {
    term *= -t;
    const add = term / k;
    sum += add;
    if (Math.abs(add) <= 1e-17 * Math.abs(sum)) break;
  }
  return sum;
}

/** ln(x^a e^-x / Gamma(a)), regrouped for large a so terms of size a ln a are not subtracted. */
function logPrefactor(a: number, x: number): number {
  if (a < 15) return a * Math.log(x) - x - logGamma(a);
  return -a * log1pmx(x / a - 1) + 0.5 * (Math.log(a) - LOG_2PI) - stirlingCorrection(a);
}

function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) <= EPS * Math.abs(sum)) break;
  }
  return Math.exp(logPrefactor(a, x)) * sum;
}

function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) <= EPS) break;
  }
  return Math.exp(logPrefactor(a, x)) * h;
}

/** Both tails [P(a, x), Q(a, x)] for a > 0, x >= 0. */
export function gammaTails(a: number, x: number): [number, number] {
  if (Number.isNaN(a) || Number.isNaN(x) || !(a > 0) || x < 0 || a === Infinity) return [NaN, NaN];
  if (x === 0) return [0, 1];
  if (x === Infinity) return [1, 0];
  if (x < a + 1) {
    const p = lowerSeries(a, x);
    return [p, 1 - p];
  }
  const q = upperContinuedFraction(a, x);
  return [1 - q, q];
}

/**
 * The regularized lower incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a); NaN for a <= 0 or x < 0.
 *
 * @example
 * regularizedGammaP(1, 2); // 1 - e^-2 = 0.8646647167633873
 */
export function regularizedGammaP(a: number, x: number): number {
  return gammaTails(a, x)[0];
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), computed directly in the upper tail.
 *
 * @example
 * regularizedGammaQ(1, 2); // e^-2 = 0.1353352832366127
 */
export function regularizedGammaQ(a: number, x: number): number {
  return gammaTails(a, x)[1];
}
