// Readers for what the examples print, so the tests assert on values rather than on whole lines.

/** The rows of a `console.table` (the index column dropped, quotes taken off strings), keyed by column header. */
export function consoleTable(out: string): Record<string, string>[] {
  const lines = out.split('\n').filter((l) => l.startsWith('│'));
  const cells = (line: string) => line.split('│').slice(2, -1).map((c) => c.trim().replace(/^'(.*)'$/, '$1'));
  const [header, ...rows] = lines;
  if (!header) return [];
  const keys = cells(header);
  return rows.map((row) => Object.fromEntries(cells(row).map((v, i) => [keys[i]!, v])));
}

/**
 * What `console.log(label, object)` printed: from `label` through the line that closes the object (util.inspect puts
 * the closing `}` or `]` of a multi-line object at the start of a line). Empty when the label is missing.
 */
export function printedAfter(out: string, label: string): string {
  const start = out.indexOf(label);
  if (start < 0) return '';
  const end = out.slice(start).search(/\n[}\]]/);
  return end < 0 ? out.slice(start) : out.slice(start, start + end + 2);
}

/**
 * How far a count of `n` independent draws with probability `p` may stray from `n * p` before a fair hash is
 * suspect: 4.5 standard deviations, which a fair hash exceeds with probability below 1e-5.
 */
export function binomialTolerance(n: number, p: number): number {
  return 4.5 * Math.sqrt(n * p * (1 - p));
}
