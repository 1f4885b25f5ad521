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
  const x = r / (1 + r);
  const y = 1 / (1 + r);
  return 0.5 * betaTails(nu / 2, 0.5, x, y)[0];
}

/** The Student t density. */
export function studentTPdf(t: number, nu: number): number {
  if (Number.isNaN(t) || Number.isNaN(nu) || !(nu > 0)) return NaN;
  if (nu === Infinity) return normalPdf(t);
  if (!Number.isFinite(t)) return 0;
  return Math.exp(-((nu + 1) / 2) * Math.log1p((t * t) / nu) - 0.5 * Math.log(nu) - logBeta(nu / 2, 0.5));
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

/** Solves sf(t) = q for 0 < q < 1/2: Newton on ln sf against ln t, kept inside a bracket (bisection fallback). */
function upperQuantile(q: number, nu: number): number {
  if (nu === Infinity) return -normalQuantile(q);
  if (nu === 1) return 1 / Math.tan(Math.PI * q);
  let t = initialGuess(q, nu);
  let lo = 0;
  let hi = Infinity;
  const logQ = Math.log(q);
  for (let i = 0; i < 300; i++) {
    const s = upperTail(t, nu);
    if (s === q) return t;
    if (s > q) lo = t;
    else hi = t;
    const slope = (t * studentTPdf(t, nu)) / s; // -d ln sf / d ln t
    let next = t * Math.exp((Math.log(s) - logQ) / slope);
    if (!(next > lo && next < hi)) next = hi === Infinity ? t * 4 : lo === 0 ? hi / 4 : Math.sqrt(lo * hi);
    if (Math.abs(next - t) <= 4e-16 * t) return next;
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
