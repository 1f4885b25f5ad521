// The regularized incomplete beta function I_x(a, b) by its continued fraction (modified Lentz), evaluated on
// the side where it converges fast; the other side is 1 minus it. The prefactor x^a y^b / B(a, b) is formed in
// logs with y = 1 - x passed in separately, so callers who know y exactly (Student t tails) lose nothing.

import { dd, ddAdd, ddDiv, ddMul, ddSub, type DD } from './double-double.js';
import { logBeta } from './log-gamma.js';

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/**
 * The continued fraction of I_x(a, b) (without its prefactor), good when x < (a + 1) / (a + b + 2).
 * `depth.terms` receives the number of terms it took.
 */
function betaContinuedFraction(a: number, b: number, x: number, depth?: { terms: number }): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) <= EPS) {
      if (depth) depth.terms = 2 * m;
      break;
    }
  }
  return h;
}

/**
 * The same fraction, 1 / (1 + d1 / (1 + d2 / (1 + ...))), evaluated backwards from `terms` in double-double
 * with x = 1 - y exact, so the cancellation of its first denominators next to the turning point costs nothing.
 */
function betaContinuedFractionDD(a: number, b: number, y: number, terms: number): number {
  const x = ddSub(dd(1), dd(y));
  const A = dd(a);
  const ab = ddAdd(A, dd(b));
  let v: DD = dd(1);
  for (let k = terms; k >= 1; k--) {
    let coef: DD;
    if (k % 2 === 0) {
      const m = k / 2; // d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m))
      const num = ddMul(dd(m), ddSub(dd(b), dd(m)));
      coef = ddDiv(num, ddMul(ddAdd(A, dd(2 * m - 1)), ddAdd(A, dd(2 * m))));
    } else {
      const m = (k - 1) / 2; // d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
      const num = ddMul(ddAdd(A, dd(m)), ddAdd(ab, dd(m)));
      coef = ddDiv(num, ddMul(ddAdd(A, dd(2 * m)), ddAdd(A, dd(2 * m + 1))));
      coef = [-coef[0], -coef[1]];
    }
    v = ddAdd(dd(1), ddDiv(ddMul(coef, x), v));
  }
  return 1 / (v[0] + v[1]);
}

/** x^a y^b / (a B(a, b)), formed in logs. */
function front(a: number, b: number, x: number, y: number): number {
  // ln x from y when x is near 1 (and vice versa): the caller's exact y then keeps a * ln x exact for huge a.
  const lx = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const ly = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  return Math.exp(a * lx + b * ly - logBeta(a, b)) / a;
}

/**
 * I_x(a, b) for x below the turning point (a + 1) / (a + b + 2), by the continued fraction. Its first
 * denominator, delta = 1 - (a + b) x / (a + 1), amplifies rounding in x and in the coefficients by 1 / delta
 * (5e-11 for a Student t with a million degrees of freedom at t = 2); close to the turning point the fraction is
 * therefore re-evaluated in double-double to the depth the double pass needed.
 */
function lowerSide(a: number, b: number, x: number, y: number): number {
  const depth = { terms: 0 };
  const cf = betaContinuedFraction(a, b, x, depth);
  const delta = (1 - b + (a + b) * y) / (a + 1);
  if (delta > 1e-2 || depth.terms === 0 || depth.terms > 4000) return front(a, b, x, y) * cf;
  return front(a, b, x, y) * betaContinuedFractionDD(a, b, y, depth.terms + 20);
}

/**
 * Both tails [I_x(a, b), 1 - I_x(a, b)] for a, b > 0, x in [0, 1] and y = 1 - x (pass it when you know it
 * more exactly than `1 - x`). The tail on the fast side of the continued fraction keeps full relative precision.
 */
export function betaTails(a: number, b: number, x: number, y = 1 - x): [number, number] {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(x) || Number.isNaN(y)) return [NaN, NaN];
  if (!(a > 0) || !(b > 0) || x < 0 || x > 1) return [NaN, NaN];
  if (x === 0) return [0, 1];
  if (y === 0) return [1, 0];
  if (a === Infinity || b === Infinity) return [NaN, NaN];
  if (x < (a + 1) / (a + b + 2)) {
    const lower = lowerSide(a, b, x, y);
    return [lower, 1 - lower];
  }
  const upper = lowerSide(b, a, y, x);
  return [1 - upper, upper];
}

/**
 * The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for a, b > 0 and 0 <= x <= 1;
 * NaN outside. Relative error about 1e-14 (more for very large a, b: the continued fraction then needs
 * O(sqrt(max(a, b))) terms).
 *
 * @example
 * regularizedIncompleteBeta(0.5, 2, 3); // 0.6875
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  return betaTails(a, b, x)[0];
}
