/** The longest `matches` pattern accepted. */
export const MAX_PATTERN_LENGTH = 256;

/**
 * Why `pattern` cannot be used by the `matches` operator, or undefined when it is fine: too long, does not
 * compile, or has a repeating quantifier applied to a group that itself repeats (`(a+)+`, `(\d*x)*`, `(?:a|b+){2,}`),
 * the shape behind catastrophic backtracking.
 */
export function regexProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return `a matches pattern must be a string, got ${typeof pattern}`;
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern is ${pattern.length} characters; the limit is ${MAX_PATTERN_LENGTH}`;
  try {
    new RegExp(pattern);
  } catch (err) {
    return `pattern does not compile: ${(err as Error).message}`;
  }
  if (hasNestedQuantifier(pattern)) return 'pattern has nested quantifiers (a repeated group that itself repeats, like (a+)+); rewrite it without the outer repetition';
  return undefined;
}

/** Compiles a pattern that passed `regexProblem`; undefined if it does not. */
export function compilePattern(pattern: unknown): RegExp | undefined {
  if (regexProblem(pattern) !== undefined) return undefined;
  return new RegExp(pattern as string);
}

/** Length of a repeating quantifier starting at `i` (`*`, `+`, `{n,}`, `{n,m}` with m > 1), else 0. `?` and `{1}` do not repeat. */
function repeatingQuantifierAt(p: string, i: number): number {
  const c = p[i];
  if (c === '*' || c === '+') return 1;
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return 0;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    return max > 1 ? m[0].length : 0;
  }
  return 0;
}

function hasNestedQuantifier(p: string): boolean {
  // stack of "does this open group contain a repeating quantifier"
  const stack: boolean[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      i += 2;
    } else if (c === '[') {
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      stack.push(false);
      i++;
    } else if (c === ')') {
      const inner = stack.pop() ?? false;
      i++;
      const q = repeatingQuantifierAt(p, i);
      if (q > 0 && inner) return true;
      if (stack.length && (inner || q > 0)) stack[stack.length - 1] = true;
    } else {
      const q = repeatingQuantifierAt(p, i);
      if (q > 0) {
        if (stack.length) stack[stack.length - 1] = true;
        i += q;
      } else i++;
    }
  }
  return false;
}
