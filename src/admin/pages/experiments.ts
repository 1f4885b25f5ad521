// The experiments pages: the list, and one experiment's results table (lift, confidence interval, p-value, SRM
// warning) with the chart of each variant's cumulative conversion rate (or mean) over time.
import type { ExperimentDefinition, ExperimentResults } from '../../experiments/types.js';
import { lineChart } from '../chart.js';
import { liftPct, num, pctOfFraction, pValue } from '../format.js';
import type { SeriesPoint } from '../history.js';
import { html } from '../html.js';
import { href, type PageContent, type View } from '../layout.js';

/** One line of the list: the definition, and its results when they could be read. */
export interface ExperimentRow {
  def: ExperimentDefinition;
  results?: ExperimentResults;
  error?: string;
}

export function experimentsPage(view: View, rows: ExperimentRow[]): PageContent {
  const body = rows.length
    ? html`<div class="card"><table><thead><tr><th>Experiment</th><th>Status</th><th>Variants</th><th class="num">Traffic</th><th>Metrics</th><th class="num">Units</th><th>Sample ratio</th></tr></thead><tbody>
${rows.map((r) => {
  const d = r.def;
  const status = d.status ?? 'running';
  const units = r.results?.variants.reduce((a, v) => a + v.units, 0);
  return html`<tr data-experiment="${d.key}"><td><a href="${href(view, 'experiments', d.key)}"><code>${d.key}</code></a>${d.description ? html`<div class="muted">${d.description}</div>` : ''}</td>
<td><span class="badge ${status}">${status}</span>${d.winner ? html` winner <code>${d.winner}</code>` : ''}</td>
<td>${d.variants.map((v) => html`<code>${v.key}</code> <span class="muted">${num(v.weight)}</span> `)}</td>
<td class="num">${num(d.trafficAllocation ?? 100, 3)}%</td>
<td>${(d.metrics ?? []).map((m) => html`<code>${m.key}</code> `)}</td>
<td class="num">${units ?? '—'}</td>
<td>${r.error ? html`<span class="badge bad" title="${r.error}">unavailable</span>` : r.results?.srm.mismatch ? html`<span class="badge bad">SRM</span>` : r.results ? html`<span class="badge ok">ok</span>` : '—'}</td></tr>`;
})}</tbody></table></div>`
    : html`<div class="card muted">No experiments yet: create one with delivery.experiments.put().</div>`;
  return { section: 'experiments', heading: 'Experiments', body, live: 'tick' };
}

/** Rate (binomial) or mean (continuous) of `metric` per variant. */
export function metricValues(def: ExperimentDefinition, r: ExperimentResults, metric: string): Record<string, number> {
  const type = def.metrics?.find((m) => m.key === metric)?.type ?? 'binomial';
  const out: Record<string, number> = {};
  for (const v of r.variants) {
    const m = v.metrics[metric];
    out[v.key] = (type === 'binomial' ? m?.rate : m?.mean) ?? NaN;
  }
  return out;
}

export interface ExperimentDetail {
  def: ExperimentDefinition;
  results?: ExperimentResults;
  error?: string;
  metric: string | undefined;
  /** Sampled points of the chosen metric (per variant). */
  history: SeriesPoint[];
  alpha: number;
}

export function experimentPage(view: View, d: ExperimentDetail): PageContent {
  const { def, results: r } = d;
  const metrics = def.metrics ?? [];
  const type = (m: string): 'binomial' | 'continuous' => metrics.find((x) => x.key === m)?.type ?? 'binomial';
  const fmt = (m: string, v: number | undefined): string => (type(m) === 'binomial' ? pctOfFraction(v) : num(v, 3));
  let table = html``;
  let chart = html``;
  if (r) {
    const variants = r.variants.map(
      (v) => html`<tr data-variant="${v.key}"><td><code>${v.key}</code>${v.key === r.control ? html` <span class="badge">control</span>` : ''}</td><td class="num">${v.units}</td>
${metrics.map((m) => {
  const x = v.metrics[m.key];
  return m.type === 'binomial' ? html`<td class="num">${x?.conversions ?? 0}</td><td class="num">${pctOfFraction(x?.rate)}</td>` : html`<td class="num">${num(x?.mean, 3)}</td><td class="num">${num(x?.variance, 3)}</td>`;
})}</tr>`,
    );
    const head = metrics.map((m) => (m.type === 'binomial' ? html`<th class="num">${m.key}: conv.</th><th class="num">${m.key}: rate</th>` : html`<th class="num">${m.key}: mean</th><th class="num">${m.key}: variance</th>`));
    const comps = r.comparisons.map(
      (c) => html`<tr data-comparison="${c.variant}:${c.metric}"><td><code>${c.variant}</code> vs <code>${r.control}</code></td><td><code>${c.metric}</code></td>
<td class="num">${type(c.metric) === 'binomial' ? pctOfFraction(c.difference) : num(c.difference, 3)}</td><td class="num">${liftPct(c.relativeLift)}</td>
<td class="num">[${fmt(c.metric, c.ci[0])}, ${fmt(c.metric, c.ci[1])}]</td><td class="num">${pValue(c.pValue)}</td><td class="num">${pValue(c.adjustedPValue)}</td>
<td>${c.significant ? html`<span class="sig">yes</span>` : html`<span class="muted">no</span>`}</td></tr>`,
    );
    table = html`${r.srm.mismatch ? html`<div class="banner warn" role="alert" data-testid="srm-warning"><strong>Sample ratio mismatch</strong> (χ² = ${num(r.srm.chiSquare)}, p = ${pValue(r.srm.pValue)}): the units per variant do not match the weights. Assignment or exposure logging is broken somewhere; do not trust these results until it is found.</div>` : ''}
<div class="card"><h2>Variants</h2><table><thead><tr><th>Variant</th><th class="num">Units</th>${head}</tr></thead><tbody>${variants}</tbody></table>
<p class="muted">Sample ratio check: χ² = ${num(r.srm.chiSquare)}, p = ${pValue(r.srm.pValue)}${r.srm.mismatch ? '' : ' (no mismatch)'}.</p></div>
<div class="card"><h2>Comparisons</h2>${comps.length ? html`<table><thead><tr><th>Variant</th><th>Metric</th><th class="num">Difference</th><th class="num">Lift</th><th class="num">${num((1 - d.alpha) * 100)}% CI</th><th class="num">p-value</th><th class="num">Adjusted p</th><th>Significant</th></tr></thead><tbody>${comps}</tbody></table>` : html`<p class="muted">No metrics to compare: declare metrics on the experiment.</p>`}</div>`;
  }
  if (d.metric) {
    const names = def.variants.map((v) => v.key);
    const series = names.map((n) => ({ name: n, points: d.history.map((p) => ({ at: p.at, value: p.values[n] ?? NaN })) }));
    const binomial = type(d.metric) === 'binomial';
    chart = html`<div class="card"><h2>Cumulative ${binomial ? 'conversion rate' : 'mean'} of <code>${d.metric}</code></h2>
${metrics.length > 1 ? html`<p>${metrics.map((m) => (m.key === d.metric ? html`<strong>${m.key}</strong> ` : html`<a href="${href(view, 'experiments', def.key)}?metric=${encodeURIComponent(m.key)}">${m.key}</a> `))}</p>` : ''}
${lineChart(series, { title: `Cumulative ${binomial ? 'conversion rate' : 'mean'} of ${d.metric} per variant`, now: view.now, yFormat: (v) => (binomial ? `${(v * 100).toFixed(1)}%` : num(v)) })}
<p class="muted">Sampled from the results by this dashboard process while it runs (kept in memory, thinned when long), plus the current value.</p></div>`;
  }
  const status = def.status ?? 'running';
  const body = html`<p><a href="${href(view, 'experiments')}">← All experiments</a></p>
<div class="card"><dl class="kv"><dt>Status</dt><dd><span class="badge ${status}">${status}</span>${def.winner ? html` winner <code>${def.winner}</code>` : ''}</dd>
<dt>Variants</dt><dd>${def.variants.map((v) => html`<code>${v.key}</code> (${num(v.weight)}) `)}</dd><dt>Traffic</dt><dd>${num(def.trafficAllocation ?? 100, 3)}%</dd>
${def.layer ? html`<dt>Layer</dt><dd><code>${def.layer}</code></dd>` : ''}${def.description ? html`<dt>Description</dt><dd>${def.description}</dd>` : ''}</dl></div>
${d.error ? html`<div class="banner error" role="alert">Results unavailable: ${d.error}</div>` : ''}${table}${chart}`;
  return { section: 'experiments', heading: `Experiment ${def.key}`, body, live: 'tick' };
}
