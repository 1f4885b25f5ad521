// Diff paths: `items[2].price`, `headers.content-type`, `["a key"]`; the root is ''. While walking, a path is a list
// of raw tokens (a key string, an index number) so that nothing is formatted unless a diff is reported; `WILDCARD`
// stands for any one key or index in patterns.

/** One path segment: an object key, an array index, or the wildcard (patterns only). */
export type Token = string | number | symbol;

/** The wildcard token: matches any one key or index. */
export const WILDCARD: unique symbol = Symbol('*');

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** Formats tokens as a path string (`items[2].price`; the root is ''); the wildcard shows as `*` / `[*]`. */
export function formatPath(tokens: readonly Token[]): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (typeof t === 'number') s += `[${t}]`;
    else if (t === WILDCARD) s += i === 0 ? '*' : '[*]';
    else if (typeof t === 'string' && PLAIN_KEY.test(t)) s += i === 0 ? t : `.${t}`;
    else s += `[${JSON.stringify(String(t))}]`;
  }
  return s;
}

/**
 * Parses a path or an ignore pattern into tokens; `*` (as `.*`, `[*]` or a leading `*`) becomes the wildcard.
 * Returns a message instead when the text is not a path.
 */
export function parsePath(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '[') {
      if (text[i + 1] === '"') {
        const end = closingQuote(text, i + 2);
        if (end < 0 || text[end + 1] !== ']') return `unterminated ["..."] at ${i}`;
        let key: unknown;
        try {
          key = JSON.parse(text.slice(i + 1, end + 1));
        } catch {
          return `invalid quoted key at ${i}`;
        }
        tokens.push(String(key));
        i = end + 2;
        continue;
      }
      const close = text.indexOf(']', i);
      if (close < 0) return `unterminated [ at ${i}`;
      const inner = text.slice(i + 1, close);
      if (inner === '*') tokens.push(WILDCARD);
      else if (/^\d+$/.test(inner)) tokens.push(Number(inner));
      else return `[${inner}] is neither an index, * nor a quoted key`;
      i = close + 1;
      continue;
    }
    if (ch === '.') {
      if (i === 0) return 'a path starts with a key, not a dot';
      i++;
    }
    let j = i;
    while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
    const name = text.slice(i, j);
    if (!name) return `empty key at ${i}`;
    tokens.push(name === '*' ? WILDCARD : name);
    i = j;
  }
  return tokens;
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Whether `pattern` matches `path` or one of its ancestors (the pattern covers the whole subtree). */
export function coversPath(pattern: readonly Token[], path: readonly Token[]): boolean {
  if (pattern.length > path.length) return false;
  for (let i = 0; i < pattern.length; i++) if (pattern[i] !== WILDCARD && pattern[i] !== path[i]) return false;
  return true;
}

/** Replaces every index by the wildcard: `items[3].ts` -> `items[*].ts` (noise is learned per shape). */
export function generaliseIndices(tokens: readonly Token[]): Token[] {
  return tokens.map((t) => (typeof t === 'number' ? WILDCARD : t));
}
