// Minimal double-double arithmetic (about 32 significant digits: Dekker/Knuth error-free transformations),
// used where a double computation would cancel catastrophically (the incomplete beta continued fraction next to
// its turning point). Values are [hi, lo] with |lo| <= ulp(hi) / 2.

export type DD = readonly [number, number];

const SPLITTER = 134217729; // 2^27 + 1

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

export function dd(x: number): DD {
  return [x, 0];
}

export function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  return quickTwoSum(s, e + a[1] + b[1]);
}

export function ddSub(a: DD, b: DD): DD {
  return ddAdd(a, [-b[0], -b[1]]);
}

export function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + a[0] * b[1] + a[1] * b[0]);
}

export function ddDiv(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = ddSub(a, ddMul(b, dd(q1)));
  const q2 = r[0] / b[0];
  r = ddSub(r, ddMul(b, dd(q2)));
  const q3 = r[0] / b[0];
  return ddAdd(quickTwoSum(q1, q2), dd(q3));
}
