// HTML building with escaping by default: every interpolated value is escaped unless it is already an Html
// fragment built by this module. Nothing user-controlled reaches a page unescaped.

/** A fragment of trusted HTML (built by `html` or `raw`); interpolating it does not escape it again. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for element content and double- or single-quoted attribute values. */
const NEEDS_ESCAPE = /[&<>"'`]/;

export function escapeHtml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function piece(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(piece).join('');
  return escapeHtml(String(v));
}

/**
 * Tagged template: the literal parts are trusted, every value is escaped (arrays are joined, null/undefined/false
 * render nothing, Html fragments are kept).
 * @example html`<td>${flag.description}</td>` // a description '<script>' renders as text
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Marks a string built only from trusted parts (numbers formatted here, constant markup) as HTML. */
export function raw(trusted: string): Html {
  return new Html(trusted);
}

/** JSON for display: at most `max` characters, with an ellipsis when cut. Never throws. */
export function shortJson(value: unknown, max = 300): string {
  let s: string;
  try {
    s = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
