// The flags pages: the searchable list with kill switches, and the edit form with inline validation errors.
import type { ValidationIssue } from '../../core/errors.js';
import type { FlagDefinition } from '../../flags/types.js';
import type { FormData } from '../body.js';
import { editModel, fieldOf, serveSummaryOf, type FlagEditModel } from '../flag-form.js';
import { html, type Html } from '../html.js';
import { csrfField, href, type PageContent, type View } from '../layout.js';

const MAX_ROWS = 500;

function serveSummary(def: FlagDefinition): string {
  const m = serveSummaryOf(def);
  if (m.booleanShaped) return `${Number(m.percentage.toFixed(3))}% on${m.gated ? ' (of users passing the gates)' : ''}`;
  const s = m.serve;
  if ('variant' in s) return `serves ${s.variant}`;
  const total = s.split.reduce((a, e) => a + e.weight, 0) || 1;
  return s.split.map((e) => `${e.variant} ${Number(((e.weight / total) * 100).toFixed(1))}%`).join(' / ');
}

function targetCount(def: FlagDefinition): number {
  return Object.values(def.targets ?? {}).reduce((a, ids) => a + ids.length, 0);
}

/** The toggle form of one flag (used in the list and on the edit page). */
export function toggleForm(view: View, def: FlagDefinition, back: string): Html {
  const label = def.enabled ? 'On' : 'Off';
  return html`<form class="inline" method="post" action="${href(view, 'flags', def.key, 'toggle')}">${csrfField(view)}
<input type="hidden" name="enabled" value="${def.enabled ? 'false' : 'true'}"><input type="hidden" name="back" value="${back}">
<button type="submit" class="switch ${def.enabled ? 'on' : 'off'}" data-testid="toggle-${def.key}" aria-pressed="${def.enabled ? 'true' : 'false'}" title="${def.enabled ? 'Turn off (kill switch)' : 'Turn on'}">${label}</button></form>`;
}

/** The flag list, filtered by `q` (key, description and tags, case-insensitive). */
export function flagsPage(view: View, flags: FlagDefinition[], q: string): PageContent {
  const needle = q.trim().toLowerCase();
  const hits = needle
    ? flags.filter((f) => f.key.toLowerCase().includes(needle) || (f.description ?? '').toLowerCase().includes(needle) || (f.tags ?? []).some((t) => t.toLowerCase().includes(needle)))
    : flags;
  const shown = hits.slice(0, MAX_ROWS);
  const back = q ? `flags?q=${encodeURIComponent(q)}` : 'flags';
  const rows = shown.map(
    (f) => html`<tr id="flag-${f.key}" data-flag="${f.key}">
<td><a href="${href(view, 'flags', f.key)}"><code>${f.key}</code></a>${f.tags?.length ? html`<div>${f.tags.map((t) => html`<span class="badge">${t}</span> `)}</div>` : ''}</td>
<td>${f.description ?? ''}</td>
<td>${toggleForm(view, f, back)}</td>
<td>${serveSummary(f)}</td>
<td class="num">${targetCount(f)}</td>
<td><a href="${href(view, 'flags', f.key)}">Edit</a></td></tr>`,
  );
  const body = html`<form class="search" method="get" action="${href(view, 'flags')}" role="search">
<input type="search" name="q" value="${q}" placeholder="Search flags by key, description or tag" aria-label="Search flags">
<button type="submit">Search</button></form>
<div class="card"><table><thead><tr><th>Flag</th><th>Description</th><th>State</th><th>Serving</th><th class="num">Targets</th><th></th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="6" class="muted">${needle ? `No flag matches '${q}'.` : 'No flags yet: create one with delivery.flags.put() or the CLI.'}</td></tr>`}</tbody></table>
${hits.length > shown.length ? html`<p class="muted">Showing ${shown.length} of ${hits.length}; refine the search.</p>` : ''}
<p class="muted">${flags.length} flag${flags.length === 1 ? '' : 's'}${needle ? `, ${hits.length} matching` : ''}.</p></div>`;
  return { section: 'flags', heading: 'Flags', body, live: 'change' };
}

function fieldErrors(errors: Map<string, string[]>, field: string): Html {
  const list = errors.get(field);
  return list?.length ? html`${list.map((m) => html`<div class="error" role="alert" data-error-for="${field}">${m}</div>`)}` : html``;
}

function invalid(errors: Map<string, string[]>, field: string): string {
  return errors.has(field) ? ' invalid' : '';
}

/** What the edit page shows after a refused submission: the values typed and the errors per field. */
export interface FlagEditState {
  values: FormData;
  issues: ValidationIssue[];
  /** The issues' paths are form fields already (form-level checks) rather than definition paths. */
  formLevel: boolean;
  /** The definition that was validated (to map split indices back to variants). */
  written?: FlagDefinition;
  notice?: string;
}

/** Groups issues by the field they belong to. */
export function errorsByField(issues: ValidationIssue[], model: FlagEditModel, written: FlagDefinition | undefined, formLevel: boolean): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of issues) {
    const field = formLevel ? i.path : fieldOf(i.path, model, written ?? ({} as FlagDefinition));
    const msg = !formLevel && field === '' && i.path ? `${i.path}: ${i.message}` : i.message;
    out.set(field, [...(out.get(field) ?? []), msg]);
  }
  return out;
}

/** The edit page of one flag. */
export function flagEditPage(view: View, def: FlagDefinition, state?: FlagEditState): PageContent {
  const model = editModel(def);
  const errors = state ? errorsByField(state.issues, model, state.written, state.formLevel) : new Map<string, string[]>();
  const v = (field: string, fallback: string): string => state?.values[field] ?? fallback;
  const general = errors.get('');
  const serveField = model.booleanShaped
    ? html`<div class="field${invalid(errors, 'percentage')}"><label for="f-percentage">Percentage (served 'on')</label>
<input type="text" inputmode="decimal" id="f-percentage" name="percentage" value="${v('percentage', String(model.percentage))}" aria-invalid="${errors.has('percentage') ? 'true' : 'false'}">
<div class="hint">0 to 100. Users in a p% split stay in when p grows.${model.servePath === 'fallthrough' ? '' : ' Applies to users who pass the flag\'s gates.'}</div>${fieldErrors(errors, 'percentage')}</div>`
    : html`<fieldset class="field${invalid(errors, 'weights')}"><legend><strong>Weights of the default serve</strong> (relative)</legend>
${model.variants.map((name) => html`<div class="field${invalid(errors, `weight.${name}`)}"><label for="f-weight-${name}">${name}</label><input type="text" inputmode="decimal" id="f-weight-${name}" name="weight.${name}" value="${v(`weight.${name}`, String(model.weights[name] ?? 0))}">${fieldErrors(errors, `weight.${name}`)}</div>`)}
${fieldErrors(errors, 'weights')}</fieldset>`;
  const targets = model.variants.map(
    (name) => html`<div class="field${invalid(errors, `targets.${name}`)}"><label for="f-targets-${name}">Users always served '${name}'</label>
<textarea id="f-targets-${name}" name="targets.${name}" rows="3" aria-invalid="${errors.has(`targets.${name}`) ? 'true' : 'false'}">${v(`targets.${name}`, (model.targets[name] ?? []).join('\n'))}</textarea>
<div class="hint">One user id per line (commas and spaces also separate).</div>${fieldErrors(errors, `targets.${name}`)}</div>`,
  );
  const body = html`<p><a href="${href(view, 'flags')}">← All flags</a></p>
${state?.notice ? html`<div class="banner error" role="alert">${state.notice}</div>` : ''}
${general?.length ? html`<div class="banner error" role="alert"><strong>The flag was not saved:</strong><ul>${general.map((m) => html`<li>${m}</li>`)}</ul></div>` : ''}
${state && !general?.length && !state.notice ? html`<div class="banner error" role="alert">The flag was not saved: fix the fields marked below.</div>` : ''}
<div class="card"><p>${toggleForm(view, def, `flags/${encodeURIComponent(def.key)}`)} <span class="muted">The kill switch: off serves '${def.offVariant ?? 'off'}' to everyone.</span></p>
<dl class="kv"><dt>Variants</dt><dd>${model.variants.map((n) => html`<code>${n}</code> `)}</dd>
${def.rules?.length ? html`<dt>Rules</dt><dd>${def.rules.length} (edit rules through the API or the CLI)</dd>` : ''}
${def.prerequisites?.length ? html`<dt>Prerequisites</dt><dd>${def.prerequisites.map((p) => html`<code>${p.flag}=${p.variant}</code> `)}</dd>` : ''}</dl></div>
<form class="card" method="post" action="${href(view, 'flags', def.key)}" data-edit>${csrfField(view)}
<input type="hidden" name="fingerprint" value="${state?.values.fingerprint ?? model.fingerprint}">
<div class="field${invalid(errors, 'description')}"><label for="f-description">Description</label><input type="text" id="f-description" name="description" value="${v('description', model.description)}">${fieldErrors(errors, 'description')}</div>
${serveField}
<h2>Targets</h2>${fieldErrors(errors, 'targets')}${targets}
<div class="actions"><button type="submit" class="primary">Save</button><a class="button" href="${href(view, 'flags', def.key)}">Reset</a></div></form>`;
  return { section: 'flags', heading: `Flag ${def.key}`, body, live: state ? 'none' : 'change' };
}
