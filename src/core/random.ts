/** A source of uniform numbers in [0, 1). `Math.random` by default; tests inject a seeded one. */
export type Random = () => number;

export const defaultRandom: Random = () => Math.random();

/** A small seeded generator (mulberry32), for tests, simulations and the demo. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
