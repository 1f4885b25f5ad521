// One-line summaries of definitions for tables and `get` views.
import type { Condition, FlagDefinition, Serve } from '../flags/types.js';

const pct = (x: number): string => `${Number(x.toFixed(3))}%`;

/** `on` or `on 20% · off 80%`. */
export function serveText(serve: Serve | undefined): string {
  if (!serve) return 'on';
  if ('variant' in serve) return serve.variant;
  const total = serve.split.reduce((s, e) => s + e.weight, 0) || 1;
  const parts = serve.split.map((e) => `${e.variant} ${pct((e.weight / total) * 100)}`).join(' · ');
  return serve.bucketBy ? `${parts} (by ${serve.bucketBy})` : parts;
}

/** `country in [DE, FR]`, `not email endsWith [@x.com]`. */
export function conditionText(c: Condition): string {
  const values = c.operator === 'exists' ? '' : ` [${c.values.map(String).join(', ')}]`;
  return `${c.negate ? 'not ' : ''}${c.attribute} ${c.operator}${values}`;
}

/** Number of individually targeted users. */
export function targetCount(def: FlagDefinition): number {
  return Object.values(def.targets ?? {}).reduce((s, ids) => s + ids.length, 0);
}
