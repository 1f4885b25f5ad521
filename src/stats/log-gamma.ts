// Log-gamma and log-beta with our own numerics: upward recurrence into the Stirling series, whose
// remainder after seven Bernoulli terms is below 1e-19 for x >= 15.

const HALF_LOG_2PI = 0.9189385332046728;
const STIRLING_MIN = 15;

/**
 * The remainder of Stirling's series, omega(x) = lnGamma(x) - ((x - 1/2) ln x - x + ln(2 pi)/2), for x >= 15.
 * Kept separate so differences of log-gammas of large arguments lose no digits.
 */
export function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return (
    r *
    (1 / 12 +
      r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))))
  );
}

/**
 * Natural logarithm of |Gamma(x)|. Absolute error about 1e-15 near the zeros at 1 and 2, relative error about
 * 1e-16 elsewhere. Poles (0, -1, -2, ...) give Infinity; NaN gives NaN.
 *
 * @example
 * logGamma(5); // ln(24) = 3.17805383034795
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0) {
    if (Number.isInteger(x) || x === -Infinity) return Infinity;
    // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  if (x >= STIRLING_MIN) return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + stirlingCorrection(x);
  // Gamma(x) = Gamma(x + k) / (x (x + 1) ... (x + k - 1)), shifting into the Stirling range.
  let product = 1;
  let y = x;
  while (y < STIRLING_MIN) {
    product *= y;
    y += 1;
  }
  return (y - 0.5) * Math.log(y) - y + HALF_LOG_2PI + stirlingCorrection(y) - Math.log(product);
}

/**
 * ln Gamma(a) - ln Gamma(a + b) for a >= 15, b > 0, without the cancellation of two large log-gammas
 * (the terms kept are all of the size of b ln a).
 */
function logGammaRatio(a: number, b: number): number {
  const s = a + b;
  return -(a - 0.5) * Math.log1p(b / a) - b * Math.log(s) + b + stirlingCorrection(a) - stirlingCorrection(s);
}

/**
 * ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b) for a, b > 0, accurate also when a or b is large
 * (Student t with a million degrees of freedom needs ln B(500000, 0.5) to about 1e-16 absolute).
 *
 * @example
 * logBeta(2, 3); // ln(1/12)
 */
export function logBeta(a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) return NaN;
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < STIRLING_MIN) return logGamma(a) + logGamma(b) - logGamma(a + b);
  if (small < STIRLING_MIN) return logGamma(small) + logGammaRatio(big, small);
  // Both large: Stirling for all three, regrouped so nothing of size a ln a is subtracted.
  const s = a + b;
  return (
    HALF_LOG_2PI -
    0.5 * Math.log(s) -
    (big - 0.5) * Math.log1p(small / big) +
    (small - 0.5) * Math.log(small / s) +
    stirlingCorrection(a) +
    stirlingCorrection(b) -
    stirlingCorrection(s)
  );
}
