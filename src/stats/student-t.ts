// Student's t distribution through the incomplete beta function: sf(t) = I_{nu/(nu+t^2)}(nu/2, 1/2) / 2 for
// t > 0, with x = nu/(nu+t^2) and y = t^2/(nu+t^2) both formed from r = nu/t^2 so neither loses digits.

import { betaTails } from './incomplete-beta.js';
import { logBeta } from './log-gamma.js';
import { normalPdf, normalQuantile, normalSf } from './normal.js';

/** Upper tail for t >= 0. */
function upperTail(t: number, nu: number): number {
  if (t === 0) return 0.5;
  if (t === Infinity) return 0;
  if (nu === Infinity) return normalSf(t);
  const r = nu / t / t;
  if (r < 1e-250) {
    // x = r / (1 + r) would underflow: I_x(a, 1/2) = x^a / (a B(a, 1/2)) (1 + O(x)), with ln x = ln nu - 2 ln t.
    const a = nu / 2;
    return (0.5 * Math.exp(a * (Math.log(nu) - 2 * Math.log(t)) - logBeta(a, 0.5))) / a;
  }
  if (r === Infinity) return 0.5; // t below 1e-160: the central mass underflows
  return 0.5 * betaTails(nu / 2, 0.5, r / (1 + r), 1 / (1 + r))[0];
}

/** The Student t density. */
export function studentTPdf(t: number, nu: number): number {
  if (Number.isNaN(t) || Number.isNaN(nu) || !(nu > 0)) return NaN;
  if (nu === Infinity) return normalPdf(t);
  if (!Number.isFinite(t)) return 0;
  const at = Math.abs(t);
  // ln(1 + t^2 / nu), without overflowing t^2 for huge t.
  const l = at > 1e100 ? 2 * Math.log(at) - Math.log(nu) + Math.log1p(nu / at / at) : Math.log1p((t * t) / nu);
  return Math.exp(-((nu + 1) / 2) * l - 0.5 * Math.log(nu) - logBeta(nu / 2, 0.5));
}

/**
 * Upper tail P(T >= t) of Student's t with `nu` degrees of freedom (any real nu > 0; Infinity is the normal),
 * computed directly so small p-values keep their digits. NaN for nu <= 0.
 *
 * @example
 * studentTSf(2.228138851986274, 10); // 0.025
 */
export function studentTSf(t: number, nu: number): number {
  if (Number.isNaN(t) || Number.isNaN(nu) || !(nu > 0)) return NaN;
  return t >= 0 ? upperTail(t, nu) : 1 - upperTail(-t, nu);
}

/**
 * The CDF P(T <= t) of Student's t with `nu` degrees of freedom.
 *
 * @example
 * studentTCdf(-2.228138851986274, 10); // 0.025
 */
export function studentTCdf(t: number, nu: number): number {
  return studentTSf(-t, nu);
}

/** Initial guess for the upper quantile: Cornish-Fisher in 1/nu (A&S 26.7.5), or the power-law tail for small nu. */
function initialGuess(q: number, nu: number): number {
  const z = -normalQuantile(q);
  if (nu >= 4 || z < 1) {
    const z2 = z * z;
    const g1 = (z2 + 1) * z / 4;
    const g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
    const g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
    const g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
    const guess = z + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu;
    if (guess > 0 && Number.isFinite(guess)) return guess;
  }
  // sf(t) ~ nu^(nu/2 - 1) t^-nu / B(nu/2, 1/2) for large t.
  const tail = Math.sqrt(nu) * Math.exp(-(Math.log(q * nu) + logBeta(nu / 2, 0.5)) / nu);
  return Number.isFinite(tail) && tail > 0 ? tail : Math.max(z, 1);
}

/** P(0 < T < t) = 1/2 - sf(t) for t >= 0, computed directly (the small side of the incomplete beta). */
function central(t: number, nu: number): number {
  if (nu === Infinity) return 0.5 - normalSf(t);
  const r = nu / t / t;
  if (r === Infinity) return 0;
  return 0.5 * betaTails(nu / 2, 0.5, r / (1 + r), 1 / (1 + r))[1];
}

/**
 * Solves sf(t) = q for 0 < q < 1/2. Newton on ln F against ln t, F being the upper tail (or, for q near 1/2,
 * the central mass 1/2 - sf, so tiny quantiles keep their digits), kept inside a bracket with a bisection
 * fallback.
 */
function upperQuantile(q: number, nu: number): number {
  if (nu === Infinity) return -normalQuantile(q);
  if (nu === 1) return q > 0.25 ? Math.tan(Math.PI * (0.5 - q)) : 1 / Math.tan(Math.PI * q);
  const useCentral = q > 0.25;
  const target = useCentral ? 0.5 - q : q; // exact (Sterbenz) when q > 1/4
  const logTarget = Math.log(target);
  let t = initialGuess(q, nu);
  let lo = 0;
  let hi = Infinity;
  let polish = false;
  for (let i = 0; i < 100; i++) {
    const f = useCentral ? central(t, nu) : upperTail(t, nu);
    if (f === target) return t;
    // sf falls with t, the central mass rises.
    if (f > target === !useCentral) lo = t;
    else hi = t;
    const slope = (t * studentTPdf(t, nu)) / f; // |d ln F / d ln t|
    let next = t * Math.exp(((useCentral ? 1 : -1) * (logTarget - Math.log(f))) / slope);
    if (next === t) return t;
    const newton = next > lo && next < hi;
    if (!newton) next = hi === Infinity ? t * 4 : lo === 0 ? hi / 4 : Math.sqrt(lo) * Math.sqrt(hi);
    // Newton converges quadratically: once a Newton step is below 1e-9, one more reaches the rounding floor
    // (waiting for a step of one ulp could spin on the last-digit noise of F).
    if (polish && newton) return next;
    polish = newton && Math.abs(next - t) <= 1e-9 * t;
    t = next;
  }
  return t;
}

/**
 * The quantile (inverse CDF) of Student's t with `nu` degrees of freedom, for 0 <= p <= 1; relative error about
 * 1e-14. A p above 1/2 is inverted through the exact 1 - p.
 *
 * @example
 * studentTQuantile(0.975, 10); // 2.228138851986274
 */
export function studentTQuantile(p: number, nu: number): number {
  if (Number.isNaN(p) || Number.isNaN(nu) || !(nu > 0) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  return p < 0.5 ? -upperQuantile(p, nu) : upperQuantile(1 - p, nu);
}
