/** Just enough statistics for the tests: the chi-square survival function and the two chi-square tests. */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9): relative error below 1e-13. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(s, x): series below s + 1, Lentz continued fraction above. */
export function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + s * Math.log(x) - logGamma(s);
  if (x < s + 1) {
    let sum = 1 / s;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (s + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - Math.exp(lead) * sum;
  }
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** P(X > x) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquareSurvival(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/** Goodness of fit of `counts` to the uniform distribution. */
export function chiSquareUniform(counts: number[]): { chiSquare: number; df: number; pValue: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  const chiSquare = counts.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
  const df = counts.length - 1;
  return { chiSquare, df, pValue: chiSquareSurvival(chiSquare, df) };
}

/** Pearson's chi-square test of independence on a contingency table (rows x columns). */
export function chiSquareIndependence(table: number[][]): { chiSquare: number; df: number; pValue: number } {
  const rows = table.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = table[0]!.map((_, j) => table.reduce((a, r) => a + r[j]!, 0));
  const total = rows.reduce((a, b) => a + b, 0);
  let chiSquare = 0;
  table.forEach((r, i) =>
    r.forEach((o, j) => {
      const e = (rows[i]! * cols[j]!) / total;
      if (e > 0) chiSquare += (o - e) ** 2 / e;
    }),
  );
  const df = (rows.length - 1) * (cols.length - 1);
  return { chiSquare, df, pValue: chiSquareSurvival(chiSquare, df) };
}
