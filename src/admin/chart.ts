// Small inline-SVG line charts (no script, no external asset, no style attribute: the CSP forbids them).
import { html, type Html } from './html.js';

export interface ChartPoint {
  /** Clock time, epoch ms. */
  at: number;
  value: number;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export interface ChartOptions {
  /** Accessible title of the chart. */
  title: string;
  /** Fixed value range; default from the data (with 0 as the floor). */
  yMin?: number;
  yMax?: number;
  /** Formats y-axis labels. */
  yFormat: (v: number) => string;
  /** Draw steps (a value holds until the next point) instead of straight segments. */
  step?: boolean;
  /** The right end of the time axis (the clock's now). */
  now: number;
}

const W = 640;
const H = 200;
const PAD = { l: 56, r: 12, t: 12, b: 26 };
/** Colour-blind-safe palette (Okabe-Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const fx = (n: number): string => (Math.round(n * 10) / 10).toString();

function timeLabel(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s <= 0) return 'now';
  if (s < 120) return `-${s}s`;
  if (s < 7200) return `-${Math.round(s / 60)}m`;
  if (s < 172_800) return `-${Math.round(s / 3600)}h`;
  return `-${Math.round(s / 86400)}d`;
}

/**
 * A line chart of `series` over time, as an inline `<svg>` fragment. Series without finite points are listed in the
 * legend only. With no point at all, a 'no data yet' placeholder is drawn.
 */
export function lineChart(series: ChartSeries[], o: ChartOptions): Html {
  const pts = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.at)));
  const legend = series.map(
    (s, i) => html`<span class="legend-item"><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/></svg>${s.name}</span>`,
  );
  if (pts.length === 0) {
    return html`<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${o.title}: no data yet"><title>${o.title}</title><text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="chart-empty">no data yet</text></svg><figcaption>${legend}</figcaption></figure>`;
  }
  const x0 = Math.min(...pts.map((p) => p.at));
  const x1 = Math.max(o.now, ...pts.map((p) => p.at));
  const span = Math.max(1, x1 - x0);
  const vals = pts.map((p) => p.value);
  let y0 = o.yMin ?? Math.min(0, ...vals);
  let y1 = o.yMax ?? Math.max(...vals);
  if (y1 <= y0) y1 = y0 + (y0 === 0 ? 1 : Math.abs(y0));
  if (o.yMax === undefined) y1 += (y1 - y0) * 0.08;
  if (o.yMin === undefined && y0 < 0) y0 -= (y1 - y0) * 0.08;
  const sx = (t: number): number => PAD.l + ((t - x0) / span) * (W - PAD.l - PAD.r);
  const sy = (v: number): number => H - PAD.b - ((v - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const grid: Html[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    const y = fx(sy(v));
    grid.push(html`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" class="grid"/><text x="${PAD.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" class="axis">${o.yFormat(v)}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const t = x0 + (span * i) / 4;
    grid.push(html`<text x="${fx(sx(t))}" y="${H - 8}" text-anchor="middle" class="axis">${timeLabel(x1 - t)}</text>`);
  }
  const lines = series.map((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const p = s.points.filter((q) => Number.isFinite(q.value) && Number.isFinite(q.at)).sort((a, b) => a.at - b.at);
    if (p.length === 0) return html``;
    let d = `M${fx(sx(p[0]!.at))},${fx(sy(p[0]!.value))}`;
    for (let k = 1; k < p.length; k++) {
      if (o.step) d += `H${fx(sx(p[k]!.at))}`;
      d += `L${fx(sx(p[k]!.at))},${fx(sy(p[k]!.value))}`;
    }
    if (o.step) d += `H${fx(sx(x1))}`;
    const dots = p.map((q) => html`<circle cx="${fx(sx(q.at))}" cy="${fx(sy(q.value))}" r="2.5" fill="${color}"><title>${s.name}: ${o.yFormat(q.value)}</title></circle>`);
    return html`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`;
  });
  return html`<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${o.title}"><title>${o.title}</title>${grid}${lines}</svg><figcaption>${legend}</figcaption></figure>`;
}
