// The shadows page: per shadow client, its counters, the match rate, latency per side and the last mismatches
// with their diffs.
import type { ShadowResult, ShadowStats } from '../../shadow/types.js';
import { ms, num, isoTime } from '../format.js';
import { html, shortJson, type Html } from '../html.js';
import type { PageContent, View } from '../layout.js';

export interface ShadowView {
  name: string;
  stats: ShadowStats;
  /** Newest first, at most a few. */
  mismatches: ShadowResult<unknown, unknown>[];
}

const MAX_DIFFS = 20;

function outcomeText(o: { value?: unknown; error?: unknown; timedOut?: boolean }): string {
  if (o.timedOut) return 'timed out';
  if (Object.hasOwn(o, 'error')) return `error: ${o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : shortJson(o.error, 200)}`;
  return shortJson(o.value, 200);
}

function mismatch(m: ShadowResult<unknown, unknown>, i: number): Html {
  const diffs = m.diffs.slice(0, MAX_DIFFS).map(
    (d) => html`<tr><td><code>${d.path || '(root)'}</code></td><td class="diff-${d.kind}">${d.kind}</td><td><pre>${'primary' in d ? shortJson(d.primary) : ''}</pre></td><td><pre>${'shadow' in d ? shortJson(d.shadow) : ''}</pre></td></tr>`,
  );
  return html`<details class="mismatch"${i === 0 ? html` open` : ''}><summary>${isoTime(m.at)} · endpoint <code>${m.endpoint}</code> · ${m.diffs.length} diff${m.diffs.length === 1 ? '' : 's'}</summary>
<dl class="kv"><dt>request</dt><dd><pre>${shortJson(m.request)}</pre></dd><dt>primary</dt><dd><pre>${outcomeText(m.primary)}</pre></dd><dt>shadow</dt><dd><pre>${outcomeText(m.shadow)}</pre></dd></dl>
<table><thead><tr><th>Path</th><th>Kind</th><th>Primary</th><th>Shadow</th></tr></thead><tbody>${diffs}</tbody></table>
${m.diffs.length > MAX_DIFFS ? html`<p class="muted">${m.diffs.length - MAX_DIFFS} more diffs not shown.</p>` : ''}</details>`;
}

/** Matched over decided (matched + mismatched + timeouts); NaN before any. */
export function matchRate(s: ShadowStats): number {
  const decided = s.matched + s.mismatched + s.timeouts;
  return decided ? (s.matched / decided) * 100 : NaN;
}

function card(v: ShadowView): Html {
  const s = v.stats;
  const rate = matchRate(s);
  const stat = (value: string | number, label: string, id?: string): Html => html`<div class="stat"><div class="v"${id ? html` data-testid="${id}"` : ''}>${value}</div><div class="k">${label}</div></div>`;
  return html`<section class="card" data-shadow="${v.name}"><h2><code>${v.name}</code></h2>
<div class="grid2">${stat(Number.isFinite(rate) ? `${num(rate, 2)}%` : '—', 'match rate', `match-rate-${v.name}`)}${stat(s.calls, 'calls')}${stat(s.mirrored, 'mirrored')}${stat(s.matched, 'matched')}${stat(s.mismatched, 'mismatched')}${stat(s.timeouts, 'timeouts')}${stat(s.shadowErrors, 'shadow errors')}${stat(s.dropped, 'dropped')}${stat(s.inFlight, 'in flight')}</div>
<table><thead><tr><th>Latency</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">max</th></tr></thead><tbody>
<tr><td>primary</td><td class="num">${ms(s.latency.primary.p50)}</td><td class="num">${ms(s.latency.primary.p90)}</td><td class="num">${ms(s.latency.primary.p99)}</td><td class="num">${ms(s.latency.primary.max)}</td></tr>
<tr><td>shadow</td><td class="num">${ms(s.latency.shadow.p50)}</td><td class="num">${ms(s.latency.shadow.p90)}</td><td class="num">${ms(s.latency.shadow.p99)}</td><td class="num">${ms(s.latency.shadow.max)}</td></tr></tbody></table>
${s.noise.filtered ? html`<p class="muted">Noise cancellation dropped ${s.noise.filtered} diffs on paths where the primary disagrees with itself.</p>` : ''}
<h2>Last mismatches</h2>${v.mismatches.length ? v.mismatches.map((m, i) => mismatch(m, i)) : html`<p class="muted">None recorded.</p>`}</section>`;
}

export function shadowsPage(_view: View, list: ShadowView[]): PageContent {
  const body = list.length
    ? html`${list.map(card)}`
    : html`<div class="card muted">No shadow clients in this process: create one with delivery.shadow({ name, primary, shadow }).</div>`;
  return { section: 'shadows', heading: 'Shadows', body, live: 'tick' };
}
