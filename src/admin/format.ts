// Number and time formatting for the admin pages. NaN and missing values render as an em dash.

const DASH = '—';

/** A number with up to `digits` decimals, no trailing zeros. */
export function num(v: number | undefined, digits = 2): string {
  if (v === undefined || !Number.isFinite(v)) return DASH;
  return Number(v.toFixed(digits)).toString();
}

/** A fraction (0.05) as a percent ('5.00%'). */
export function pctOfFraction(v: number | undefined, digits = 2): string {
  if (v === undefined || !Number.isFinite(v)) return DASH;
  return `${(v * 100).toFixed(digits)}%`;
}

/** A signed fraction as a percent ('+5.0%'). */
export function liftPct(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return DASH;
  const s = (v * 100).toFixed(1);
  return v > 0 ? `+${s}%` : `${s}%`;
}

/** A p-value: fixed for ordinary values, scientific below 0.0001. */
export function pValue(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return DASH;
  return v < 1e-4 ? v.toExponential(1) : v.toFixed(4);
}

/** Milliseconds for latency cells. */
export function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return DASH;
  return v >= 100 ? `${Math.round(v)} ms` : `${Number(v.toFixed(1))} ms`;
}

/** An epoch-ms time as an ISO-8601 UTC string without milliseconds. */
export function isoTime(at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return DASH;
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? DASH : `${d.toISOString().slice(0, 19)}Z`;
}

/** A duration between two clock times, short: '42s', '5m', '3h', '2d'. */
export function ago(now: number, at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return DASH;
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
