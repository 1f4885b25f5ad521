/** Levenshtein edit distance (insertions, deletions, substitutions), case-sensitive. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate to `input`: a known alias, a case-insensitive prefix match, or the nearest by Levenshtein
 * distance when it is close enough (at most a third of the longer word, and at least 2 edits allowed).
 */
export function closest(input: string, candidates: readonly string[], aliases: Readonly<Record<string, string>> = {}): string | undefined {
  if (input.length > 64) return undefined;
  if (Object.hasOwn(aliases, input)) return aliases[input];
  const lower = input.toLowerCase();
  if (!lower) return undefined;
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const prefix = candidates.find((c) => c.toLowerCase().startsWith(lower));
  if (prefix && lower.length >= 2) return prefix;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(Math.max(input.length, best.length) / 3)) ? best : undefined;
}

/** `"; did you mean 'x'?"` or `''`. */
export function hint(input: string, candidates: readonly string[], aliases?: Readonly<Record<string, string>>): string {
  const c = closest(input, candidates, aliases);
  return c === undefined ? '' : `; did you mean '${c}'?`;
}
