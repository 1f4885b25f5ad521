// What each route does: gathers the data of a page from the delivery, and applies writes through the library's own
// API (flags.update with compare-and-set, the rollout's own methods or requestRolloutAction).
import { ConflictError, DeliveryError, ValidationError } from '../core/errors.js';
import type { Delivery } from '../delivery.js';
import type { FlagDefinition } from '../flags/types.js';
import { requestRolloutAction } from '../rollout/commands.js';
import { actionRefusal } from '../rollout/machine.js';
import { listRolloutStates, type RolloutStateEntry } from '../rollout/state.js';
import type { RolloutAction, RolloutStatus } from '../rollout/types.js';
import type { FormData } from './body.js';
import { applyForm, editModel } from './flag-form.js';
import { html } from './html.js';
import type { PageContent, View } from './layout.js';
import { experimentPage, experimentsPage, type ExperimentRow } from './pages/experiments.js';
import { flagEditPage, flagsPage } from './pages/flags.js';
import { rolloutsPage, type RolloutView, type VersionMetrics } from './pages/rollouts.js';
import { shadowsPage, type ShadowView } from './pages/shadows.js';
import { seriesKey, type AdminRecorders } from './recorders.js';

export const ACTIONS: readonly RolloutAction[] = ['promote', 'abort', 'pause', 'resume'];
const MAX_EXPERIMENT_RESULTS = 100;
const MAX_ROLLOUT_METRICS = 50;
const MAX_MISMATCHES = 10;

/** The outcome of a write: done (redirect there), or a page to show with a status. */
export type WriteOutcome = { ok: true; redirect: string; json: unknown } | { ok: false; status: number; content: PageContent; json: unknown };

const errMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function statusOf(err: unknown): number {
  if (err instanceof ValidationError) return 422;
  if (err instanceof ConflictError) return 409;
  if (err instanceof DeliveryError) return err.code === 'NOT_FOUND' ? 404 : err.code === 'INVALID_STATE' ? 409 : err.code === 'STORE_UNAVAILABLE' ? 503 : 500;
  return 500;
}

export class Handlers {
  readonly #d: Delivery;
  readonly #rec: AdminRecorders;
  readonly #metricsWindowMs: number;

  constructor(delivery: Delivery, recorders: AdminRecorders, metricsWindowMs: number) {
    this.#d = delivery;
    this.#rec = recorders;
    this.#metricsWindowMs = metricsWindowMs;
  }

  // ---- flags ----

  flags(view: View, q: string): PageContent {
    return flagsPage(view, this.#d.flags.list().sort((a, b) => (a.key < b.key ? -1 : 1)), q);
  }

  flag(view: View, key: string): PageContent | undefined {
    const def = this.#d.flags.get(key);
    return def && flagEditPage(view, def);
  }

  async toggle(view: View, key: string, form: FormData): Promise<WriteOutcome> {
    const enabled = form.enabled === 'true' || form.enabled === 'on' ? true : form.enabled === 'false' || form.enabled === 'off' ? false : undefined;
    const back = /^flags(\/[A-Za-z0-9%._~-]+)?(\?q=[A-Za-z0-9%._~+*-]*)?$/.test(form.back ?? '') ? form.back! : 'flags';
    const fail = (status: number, message: string): WriteOutcome => {
      const content = this.flags(view, '');
      return { ok: false, status, content: { ...content, body: bannerBefore(content, message) }, json: { error: message } };
    };
    if (enabled === undefined) return fail(400, "the form field 'enabled' must be true or false");
    try {
      const def = await this.#d.flags.update(key, (d) => ({ ...d, enabled }));
      return { ok: true, redirect: `${view.base}/${back}${back === 'flags' || back.startsWith('flags?') ? `#flag-${encodeURIComponent(key)}` : ''}`, json: { key, enabled: def.enabled } };
    } catch (err) {
      return fail(statusOf(err), `Could not turn '${key}' ${enabled ? 'on' : 'off'}: ${errMessage(err)}`);
    }
  }

  async editFlag(view: View, key: string, form: FormData): Promise<WriteOutcome> {
    const current = this.#d.flags.get(key);
    if (!current) return { ok: false, status: 404, content: notFound(`No flag '${key}'.`), json: { error: `unknown flag '${key}'` } };
    const first = applyForm(current, form);
    if (first.issues.length) {
      return { ok: false, status: 422, content: flagEditPage(view, current, { values: form, issues: first.issues, formLevel: true }), json: { error: 'validation', issues: first.issues } };
    }
    let written: FlagDefinition | undefined;
    try {
      const def = await this.#d.flags.update(key, (stored) => {
        if (form.fingerprint && editModel(stored).fingerprint !== form.fingerprint) {
          throw new ConflictError(`flags/${key}`, undefined, undefined, `'${key}' was changed by someone else since this page was loaded; reload it and apply your edit again`);
        }
        const r = applyForm(stored, form);
        if (r.issues.length) throw new ValidationError(r.issues);
        written = r.def;
        return r.def;
      });
      return { ok: true, redirect: `${view.base}/flags/${encodeURIComponent(key)}`, json: { flag: def } };
    } catch (err) {
      const latest = this.#d.flags.get(key) ?? current;
      if (err instanceof ValidationError) {
        return { ok: false, status: 422, content: flagEditPage(view, latest, { values: form, issues: err.issues, formLevel: false, written }), json: { error: 'validation', issues: err.issues } };
      }
      return { ok: false, status: statusOf(err), content: flagEditPage(view, latest, { values: form, issues: [], formLevel: true, notice: errMessage(err) }), json: { error: errMessage(err) } };
    }
  }

  // ---- experiments ----

  async experiments(view: View): Promise<PageContent> {
    const defs = this.#d.experiments.list().sort((a, b) => (a.key < b.key ? -1 : 1));
    const rows: ExperimentRow[] = await Promise.all(
      defs.map(async (def, i): Promise<ExperimentRow> => {
        if (i >= MAX_EXPERIMENT_RESULTS) return { def };
        try {
          return { def, results: await this.#d.experiments.results(def.key) };
        } catch (err) {
          return { def, error: errMessage(err) };
        }
      }),
    );
    return experimentsPage(view, rows);
  }

  async experiment(view: View, key: string, metricParam: string | null): Promise<PageContent | undefined> {
    const def = this.#d.experiments.get(key);
    if (!def) return undefined;
    const metrics = def.metrics ?? [];
    const metric = metrics.find((m) => m.key === metricParam)?.key ?? metrics[0]?.key;
    const alpha = 0.05;
    let results;
    let error: string | undefined;
    try {
      results = await this.#d.experiments.results(key, { alpha });
      if ((def.status ?? 'running') === 'running') this.#rec.record(key, results);
    } catch (err) {
      error = errMessage(err);
    }
    const history = metric ? this.#rec.experiments.get(seriesKey(key, metric)) : [];
    return experimentPage(view, { def, results, error, metric, history, alpha });
  }

  // ---- rollouts ----

  async rollouts(view: View, flash?: { kind: 'ok' | 'error'; text: string }): Promise<PageContent> {
    let states: RolloutStateEntry[] = [];
    let listError: string | undefined;
    try {
      states = await listRolloutStates(this.#d.context.store);
    } catch (err) {
      listError = `The store could not be read (${errMessage(err)}); showing this process's rollouts only.`;
    }
    const local = new Map<string, RolloutStatus>(this.#d.rollouts.status().map((s) => [s.name, s]));
    const byName = new Map(states.map((s) => [s.name, s]));
    const names = [...new Set([...byName.keys(), ...local.keys()])].sort();
    const views = await Promise.all(
      names.map(async (name, i): Promise<RolloutView> => {
        const state = byName.get(name);
        const status = local.get(name);
        const phase = state?.phase ?? status?.phase ?? 'Initialized';
        if (state) this.#rec.observe(name, state.weight);
        const refusals: RolloutView['refusals'] = {};
        for (const a of ACTIONS) {
          const why = actionRefusal(phase, a);
          if (why) refusals[a] = why;
        }
        return {
          name,
          state,
          status,
          local: status !== undefined,
          versions: i < MAX_ROLLOUT_METRICS ? await this.#versions(name, state, status) : [],
          timeline: this.#rec.rollouts.get(name),
          refusals,
        };
      }),
    );
    const windowLabel = `${Math.round(this.#metricsWindowMs / 1000)} s`;
    return rolloutsPage(view, views, this.#metricsWindowMs % 60_000 === 0 ? `${this.#metricsWindowMs / 60_000} min` : windowLabel, flash ?? (listError ? { kind: 'error', text: listError } : undefined));
  }

  async #versions(name: string, state: RolloutStateEntry | undefined, status: RolloutStatus | undefined): Promise<VersionMetrics[]> {
    const kind = state?.kind ?? status?.kind ?? 'canary';
    let target = name;
    let versions: string[];
    if (kind === 'blueGreen') versions = ['blue', 'green'];
    else if (kind === 'rings') versions = ['stable', 'next'];
    else if (kind === 'guardedFlag') {
      const data = state?.data ?? {};
      target = typeof data.flag === 'string' ? data.flag : name;
      const variant = typeof data.variant === 'string' ? data.variant : 'on';
      versions = [this.#d.flags.get(target)?.offVariant ?? 'off', variant];
    } else versions = ['stable', 'canary'];
    return Promise.all(
      versions.map(async (version) => {
        try {
          return { version, snapshot: await this.#d.metrics.fleetWindow(target, version, this.#metricsWindowMs) };
        } catch {
          return { version };
        }
      }),
    );
  }

  async rolloutAction(view: View, name: string, form: FormData): Promise<WriteOutcome> {
    const action = form.action as RolloutAction;
    const reason = form.reason?.trim().slice(0, 200) || undefined;
    const fail = async (status: number, message: string): Promise<WriteOutcome> => ({
      ok: false,
      status,
      content: await this.rollouts(view, { kind: 'error', text: message }),
      json: { error: message },
    });
    if (!ACTIONS.includes(action)) return fail(400, `Unknown action '${String(form.action).slice(0, 40)}': use ${ACTIONS.join(', ')}.`);
    try {
      const local = this.#d.rollouts.get(name) as unknown as Partial<Record<RolloutAction, (reason?: string) => Promise<void>>> | undefined;
      const method = local?.[action];
      let requested = false;
      if (typeof method === 'function') await method.call(local, reason);
      else {
        await requestRolloutAction(this.#d.context.store, name, action, { reason, requestedBy: 'admin-dashboard', clock: this.#d.context.clock });
        requested = true;
      }
      return { ok: true, redirect: `${view.base}/rollouts#rollout-${encodeURIComponent(name)}`, json: { rollout: name, action, requested } };
    } catch (err) {
      return fail(statusOf(err), `Could not ${action} '${name}': ${errMessage(err)}`);
    }
  }

  // ---- shadows ----

  shadows(view: View): PageContent {
    const list: ShadowView[] = this.#d.shadows().map((s) => ({ name: s.name, stats: s.stats(), mismatches: s.mismatches().slice(-MAX_MISMATCHES).reverse() }));
    return shadowsPage(view, list);
  }
}

function bannerBefore(content: PageContent, message: string): PageContent['body'] {
  return html`<div class="banner error" role="alert">${message}</div>${content.body}`;
}

export function notFound(message: string): PageContent {
  return { section: undefined, heading: 'Not found', body: html`<div class="banner error" role="alert">${message}</div>`, live: 'none' };
}
