// Aligned plain-text tables and key/value blocks for human output.
import { visibleWidth } from './colour.js';

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

const pad = (s: string, width: number, align: Align): string => {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(s)));
  return align === 'right' ? fill + s : s + fill;
};

/**
 * Renders rows under headers, each column as wide as its widest cell, two spaces apart; trailing spaces trimmed.
 * Cells may carry ANSI styles (they do not count toward the width). `style` styles the header line.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], style: (s: string) => string = (s) => s): string {
  const widths = columns.map((c, i) => Math.max(visibleWidth(c.header), ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => pad(cells[i] ?? '', widths[i]!, c.align ?? 'left'))
      .join('  ')
      .trimEnd();
  return [style(line(columns.map((c) => c.header))), ...rows.map(line)].join('\n');
}

/** Renders `key  value` pairs with the keys aligned. */
export function renderPairs(pairs: readonly (readonly [string, string])[], style: (s: string) => string = (s) => s): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${style(k.padEnd(width))}  ${v}`.trimEnd()).join('\n');
}

/** Cuts a string to `max` visible characters with an ellipsis. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}
