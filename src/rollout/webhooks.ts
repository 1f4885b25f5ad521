// Webhooks and checks: a function `run` or an HTTP `url` (POST JSON, 2xx = success), bounded by a timeout on the
// delivery's clock. Never throws: a failure is a result (and is reported), so one bad hook cannot break the schedule.
import type { Clock } from '../core/clock.js';
import type { ErrorReporter } from '../core/report.js';
import type { Check, Webhook, WebhookPayload, WebhookType } from './types.js';

/** Default time a webhook or check may take. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface HookRunner {
  clock: Clock;
  reporter: ErrorReporter;
  /** Context for reports, e.g. `canary 'checkout'`. */
  subject: string;
}

export interface HookResult {
  name: string;
  ok: boolean;
  /** Why it failed. */
  error?: string;
}

/** Runs `work` with an AbortSignal that fires after `ms` on `clock`; rejects with a timeout error then. */
async function withTimeout<T>(clock: Clock, ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: unknown;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      const err = new Error(`${what} timed out after ${ms} ms`);
      ac.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(ac.signal), timeout]);
  } finally {
    clock.clearTimeout(timer);
  }
}

/** POSTs `body` as JSON to `url`; resolves with the status. The response body is drained and dropped. */
async function post(url: string, body: unknown, signal: AbortSignal): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

interface Target {
  run?: ((body: never) => boolean | void | Promise<boolean | void>) | undefined;
  url?: string | undefined;
}

/** Calls a function or POSTs to a URL within `timeoutMs`; never throws (failures are reported and returned). */
async function invoke(target: Target, body: unknown, timeoutMs: number, what: string, r: HookRunner): Promise<{ ok: boolean; error?: string }> {
  try {
    if (target.run) {
      const run = target.run as (b: unknown) => boolean | void | Promise<boolean | void>;
      const v = await withTimeout(r.clock, timeoutMs, what, async () => run(body));
      return v === false ? { ok: false, error: `${what} returned false` } : { ok: true };
    }
    const url = target.url ?? '';
    const status = await withTimeout(r.clock, timeoutMs, what, (signal) => post(url, body, signal));
    return status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `${what} answered HTTP ${status}` };
  } catch (err) {
    r.reporter.report(err, `${r.subject}: ${what}`, 'WEBHOOK');
    return { ok: false, error: `${what} failed: ${message(err)}` };
  }
}

/** Runs one webhook with `payload`: success for `run` returning true or nothing, or a 2xx answer. */
export async function runWebhook(hook: Webhook, payload: WebhookPayload, r: HookRunner): Promise<HookResult> {
  const res = await invoke(hook, payload, hook.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS, `${hook.type} webhook '${hook.name}'`, r);
  return { name: hook.name, ...res };
}

/**
 * Runs every hook of `type` one after another, in the order given, and returns the names of those that failed.
 * @example const failed = await runWebhooks(analysis.webhooks, 'rollout', payload, runner);
 */
export async function runWebhooks(
  hooks: readonly Webhook[] | undefined,
  type: WebhookType,
  payload: Omit<WebhookPayload, 'metadata'> & { metadata?: Record<string, string> },
  r: HookRunner,
): Promise<string[]> {
  const failed: string[] = [];
  for (const hook of hooks ?? []) {
    if (hook.type !== type) continue;
    const res = await runWebhook(hook, { ...payload, metadata: { ...hook.metadata, ...payload.metadata } }, r);
    if (!res.ok) failed.push(hook.name);
  }
  return failed;
}

/**
 * Runs `Check`s (blue-green pre-switch checks and the like): every check in order; resolves with the names of those
 * that failed. A URL check is POSTed `body` (default `{}`).
 * @example const failed = await runChecks([{ name: 'smoke', url: 'http://127.0.0.1:8080/smoke' }], runner);
 */
export async function runChecks(checks: readonly Check[], r: HookRunner, body: Record<string, unknown> = {}): Promise<string[]> {
  return (await checkResults(checks, r, body)).filter((c) => !c.ok).map((c) => c.name);
}

/**
 * Runs `Check`s like {@link runChecks} and resolves with every check's result, with the reason of each failure
 * (`check 'smoke' answered HTTP 503`), for rejections that name them.
 * @example const failed = (await checkResults(checks, runner)).filter((c) => !c.ok);
 */
export async function checkResults(checks: readonly Check[], r: HookRunner, body: Record<string, unknown> = {}): Promise<HookResult[]> {
  const out: HookResult[] = [];
  for (const c of checks) {
    const target: Target = 'run' in c ? { run: () => c.run() } : { url: c.url };
    const timeoutMs = ('timeoutMs' in c ? c.timeoutMs : undefined) ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    out.push({ name: c.name, ...(await invoke(target, body, timeoutMs, `check '${c.name}'`, r)) });
  }
  return out;
}
