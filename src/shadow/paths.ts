// Diff paths: `items[2].price`, `headers.content-type`, `["a key"]`; the root is ''. Internally a path is a list of
// tokens ('.name', '[2]', '["odd key"]') so that walking never formats strings; '*' is the one-segment wildcard.

/** The wildcard token: matches any one key or index. */
export const WILDCARD = '*';

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** The token of an object key: `.name` when plain, `["..."]` (JSON-quoted) otherwise. */
export function keyToken(key: string): string {
  return PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The token of an array index. */
export function indexToken(i: number): string {
  return `[${i}]`;
}

/** Formats tokens as a path string (`items[2].price`; the root is ''). */
export function formatPath(tokens: readonly string[]): string {
  const s = tokens.join('');
  return s.startsWith('.') ? s.slice(1) : s;
}

/**
 * Parses a path or an ignore pattern into tokens; `*` (as `.*` or `[*]`) becomes the wildcard.
 * Returns a message instead when the text is not a path.
 */
export function parsePath(text: string): string[] | string {
  const tokens: string[] = [];
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
        tokens.push(keyToken(String(key)));
        i = end + 2;
        continue;
      }
      const close = text.indexOf(']', i);
      if (close < 0) return `unterminated [ at ${i}`;
      const inner = text.slice(i + 1, close);
      if (inner === WILDCARD) tokens.push(WILDCARD);
      else if (/^\d+$/.test(inner)) tokens.push(indexToken(Number(inner)));
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
    tokens.push(name === WILDCARD ? WILDCARD : keyToken(name));
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

/** Whether `pattern` matches `path` or one of its ancestors (the pattern ignores the whole subtree). */
export function coversPath(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length > path.length) return false;
  for (let i = 0; i < pattern.length; i++) if (pattern[i] !== WILDCARD && pattern[i] !== path[i]) return false;
  return true;
}

/** Replaces every index token by the wildcard: `items[3].ts` -> `items[*].ts` (noise is learned per shape). */
export function generaliseIndices(tokens: readonly string[]): string[] {
  return tokens.map((t) => (/^\[\d+\]$/.test(t) ? WILDCARD : t));
}

/** Formats a pattern for display: the wildcard is shown as `[*]` after a key and `*` at the root. */
export function formatPattern(tokens: readonly string[]): string {
  return formatPath(tokens.map((t, i) => (t === WILDCARD ? (i === 0 ? '.*' : '[*]') : t)));
}
