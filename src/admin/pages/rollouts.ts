// The rollouts page: every rollout in the store (and this delivery's own), its live phase, the weight timeline, the
// success rate and p99 per version, and the promote / abort / pause / resume buttons.
import type { WindowSnapshot } from '../../metrics/types.js';
import type { RolloutStateEntry } from '../../rollout/state.js';
import type { RolloutAction, RolloutStatus } from '../../rollout/types.js';
import { lineChart } from '../chart.js';
import { ago, isoTime, ms, num } from '../format.js';
import type { SeriesPoint } from '../history.js';
import { html, type Html } from '../html.js';
import { csrfField, href, type PageContent, type View } from '../layout.js';

export interface VersionMetrics {
  version: string;
  snapshot?: WindowSnapshot;
}

export interface RolloutView {
  name: string;
  state?: RolloutStateEntry;
  status?: RolloutStatus;
  /** Runs in this process (its buttons act at once); otherwise actions are requested through the store. */
  local: boolean;
  versions: VersionMetrics[];
  timeline: SeriesPoint[];
  /** Why each action cannot apply now (absent: allowed). */
  refusals: Partial<Record<RolloutAction, string>>;
}

const KIND_LABEL: Record<string, string> = { canary: 'canary', blueGreen: 'blue-green', rings: 'rings', guardedFlag: 'guarded flag' };

const BUTTONS: { action: RolloutAction; label: string; cls: string; confirm?: string }[] = [
  { action: 'promote', label: 'Promote', cls: 'primary' },
  { action: 'pause', label: 'Pause', cls: '' },
  { action: 'resume', label: 'Resume', cls: '' },
  { action: 'abort', label: 'Abort', cls: 'danger', confirm: 'Abort this rollout and send all traffic back to stable?' },
];

function actions(view: View, r: RolloutView): Html {
  return html`<form class="actions" method="post" action="${href(view, 'rollouts', r.name, 'action')}">${csrfField(view)}
${BUTTONS.map((b) => {
  const why = r.refusals[b.action];
  return html`<button type="submit" name="action" value="${b.action}" class="${b.cls}" data-testid="${b.action}-${r.name}"${why ? html` disabled title="${why}"` : ''}${b.confirm ? html` data-confirm="${b.confirm}"` : ''}>${b.label}</button>`;
})}
<input type="text" name="reason" placeholder="reason (optional)" aria-label="reason" maxlength="200"></form>`;
}

function card(view: View, r: RolloutView, windowLabel: string): Html {
  const s = r.state;
  const st = r.status;
  const phase = s?.phase ?? st?.phase ?? 'Initialized';
  const kind = s?.kind ?? st?.kind ?? 'canary';
  const weight = s?.weight ?? st?.weight;
  const series = [{ name: kind === 'rings' ? 'rings open' : 'weight %', points: r.timeline.map((p) => ({ at: p.at, value: p.values.weight ?? NaN })) }];
  const rings = kind === 'rings';
  const versions = r.versions.map((v) => {
    const x = v.snapshot;
    return html`<tr data-version="${v.version}"><td><code>${v.version}</code></td><td class="num">${x ? x.requests : '—'}</td><td class="num">${x ? x.errors : '—'}</td>
<td class="num">${x && x.requests > 0 ? `${num(x.successRate, 2)}%` : '—'}</td><td class="num">${x && x.requests > 0 ? ms(x.p50) : '—'}</td><td class="num">${x && x.requests > 0 ? ms(x.p99) : '—'}</td></tr>`;
  });
  return html`<section class="card" id="rollout-${r.name}" data-rollout="${r.name}" data-phase="${phase}">
<h2><code>${r.name}</code> <span class="badge">${KIND_LABEL[kind] ?? kind}</span> <span class="badge ${phase}" data-testid="phase-${r.name}">${phase}</span></h2>
<div class="grid2"><div class="stat"><div class="v" data-testid="weight-${r.name}">${weight === undefined ? '—' : rings ? String(weight) : `${num(weight)}%`}</div><div class="k">${rings ? 'rings open' : `weight (max ${num(s?.maxWeight ?? 100)}%)`}</div></div>
<div class="stat"><div class="v">${s?.iteration ?? '—'}</div><div class="k">iteration</div></div>
<div class="stat"><div class="v">${s?.failedChecks ?? st?.failedChecks ?? 0}</div><div class="k">failed checks</div></div>
<div class="stat"><div class="v">${s ? ago(view.now, s.lastTransitionTime) : '—'}</div><div class="k">last transition</div></div></div>
${st?.active ? html`<p>Active side: <strong>${st.active}</strong></p>` : ''}${st?.ring ? html`<p>Outermost open ring: <strong>${st.ring}</strong></p>` : ''}
<p>${s?.message ?? st?.message ?? ''}</p>
${s?.requestedAction ? html`<div class="banner warn">Requested: <strong>${s.requestedAction.action}</strong> by ${s.requestedAction.requestedBy ?? 'someone'} at ${isoTime(s.requestedAction.requestedAt)}; the instance running the rollout applies it.</div>` : ''}
${lineChart(series, { title: `${r.name}: ${rings ? 'rings open' : 'canary weight'} over time`, now: view.now, yMin: 0, yMax: rings ? Math.max(1, ...r.timeline.map((p) => p.values.weight ?? 0)) : 100, step: true, yFormat: (v) => (rings ? num(v, 1) : `${Math.round(v)}%`) })}
<table><thead><tr><th>Version</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">Success rate</th><th class="num">p50</th><th class="num">p99</th></tr></thead><tbody>${versions}</tbody></table>
<p class="muted">Fleet-wide, last ${windowLabel}.${r.local ? '' : ' Not running in this process: actions are requested through the store.'}${s ? ` Generation ${s.generation}, updated by ${s.updatedBy || 'unknown'}.` : ''}</p>
${actions(view, r)}</section>`;
}

export function rolloutsPage(view: View, list: RolloutView[], windowLabel: string, flash?: { kind: 'ok' | 'error'; text: string }): PageContent {
  const body = html`${flash ? html`<div class="banner ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}</div>` : ''}
${list.length ? list.map((r) => card(view, r, windowLabel)) : html`<div class="card muted">No rollouts yet: create one with delivery.rollouts.canary() (or blueGreen, rings, guardedFlag).</div>`}`;
  return { section: 'rollouts', heading: 'Rollouts', body, live: 'tick' };
}
