// `progressive-delivery rollouts ...`: the state of every rollout in the store, and manual actions on one.
// Actions are requests written into the rollout's state with compare-and-set; the service instance that runs the
// rollout (its lease holder) applies them and runs the hooks. `--direct` applies the transition here instead.
import { Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import { hint } from '../flags/did-you-mean.js';
import { requestRolloutAction } from '../rollout/commands.js';
import { listRolloutStates, readState, type RolloutStateEntry } from '../rollout/state.js';
import type { RolloutAction } from '../rollout/types.js';
import type { Store } from '../store/types.js';
import { cliClock, sleep } from './clock.js';
import { ago, run } from './command.js';
import { CliFailure, UsageError } from './errors.js';
import type { Output } from './output.js';
import type { Session } from './session.js';
import { truncate } from './table.js';

/** What `weight` means for each kind, for people. */
export function weightText(r: RolloutStateEntry): string {
  switch (r.kind) {
    case 'blueGreen': {
      const to = typeof r.data?.to === 'string' ? r.data.to : 'new side';
      const from = typeof r.data?.from === 'string' ? r.data.from : 'old side';
      return r.weight >= 100 ? `on ${to}` : `on ${from}`;
    }
    case 'rings':
      return `${r.weight} ring${r.weight === 1 ? '' : 's'}`;
    default:
      return `${r.weight}% / ${r.maxWeight}%`;
  }
}

export function phaseText(out: Output, phase: string): string {
  const { c } = out;
  if (phase === 'Succeeded') return c.green(phase);
  if (phase === 'Failed') return c.red(phase);
  if (phase === 'Paused' || phase === 'WaitingPromotion') return c.yellow(phase);
  return c.cyan(phase);
}

/** The rollouts table (also what `watch` redraws). */
export function rolloutsTable(out: Output, rows: readonly RolloutStateEntry[], now = cliClock.now()): string {
  if (rows.length === 0) return 'no rollouts';
  return out.table(
    [{ header: 'NAME' }, { header: 'KIND' }, { header: 'PHASE' }, { header: 'WEIGHT' }, { header: 'FAILED', align: 'right' }, { header: 'ITER', align: 'right' }, { header: 'PENDING' }, { header: 'CHANGED' }, { header: 'MESSAGE' }],
    rows.map((r) => [
      r.name,
      r.kind,
      phaseText(out, r.phase),
      weightText(r),
      String(r.failedChecks),
      String(r.iteration),
      r.requestedAction ? out.c.yellow(r.requestedAction.action) : '',
      ago(r.lastTransitionTime, now),
      truncate(r.message, 60),
    ]),
  );
}

async function findOne(store: Store, name: string): Promise<RolloutStateEntry> {
  const cur = await readState(store, name);
  if (cur) return { ...cur.doc, version: cur.version };
  const names = (await listRolloutStates(store)).map((r) => r.name);
  throw new CliFailure(`unknown rollout '${name}'${hint(name, names)}`, 'NOT_FOUND');
}

async function status(s: Session, name: string): Promise<void> {
  const r = await findOne(await s.store(), name);
  s.out.result(r, () => {
    const pairs: [string, string][] = [
      ['name', r.name],
      ['kind', r.kind],
      ['phase', phaseText(s.out, r.phase)],
      ['weight', weightText(r)],
      ['failed checks', String(r.failedChecks)],
      ['iteration', String(r.iteration)],
      ['message', r.message],
      ['last transition', `${new Date(r.lastTransitionTime).toISOString()} (${ago(r.lastTransitionTime)})`],
      ['revision', r.revision ?? '-'],
      ['generation', String(r.generation)],
      ['updated by', r.updatedBy],
      ['version', String(r.version)],
    ];
    if (r.pausedFrom) pairs.push(['paused from', r.pausedFrom]);
    if (r.requestedAction) pairs.push(['pending action', `${r.requestedAction.action}${r.requestedAction.reason ? ` (${r.requestedAction.reason})` : ''} by ${r.requestedAction.requestedBy ?? '?'} ${ago(r.requestedAction.requestedAt)}`]);
    return s.out.pairs(pairs);
  });
}

interface ActionOptions {
  reason?: string;
  direct?: boolean;
  wait?: string | boolean;
}

const PAST: Record<RolloutAction, string> = { promote: 'promoted', abort: 'aborted', pause: 'paused', resume: 'resumed' };

async function act(s: Session, name: string, action: RolloutAction, o: ActionOptions): Promise<void> {
  if (o.direct && o.wait !== undefined) throw new UsageError('--direct applies the action at once: --wait has nothing to wait for');
  const waitMs = o.wait === undefined ? undefined : parseWait(o.wait);
  const store = await s.store();
  await findOne(store, name); // an unknown name gets a did-you-mean hint
  const written = await requestRolloutAction(store, name, action, { ...(o.reason !== undefined ? { reason: o.reason } : {}), requestedBy: s.actor, direct: o.direct === true });
  if (o.direct) {
    s.out.result(written, () => `${s.out.c.green('✓')} rollout '${name}' ${PAST[action]} directly (no hooks ran): phase ${written.phase}, weight ${weightText(written)}`);
    return;
  }
  const id = written.requestedAction?.id;
  if (waitMs === undefined) {
    s.out.result(written, () => `requested ${action} of rollout '${name}' (phase ${written.phase}, weight ${weightText(written)}): the instance running it applies it; 'rollouts status ${name}' shows when`);
    return;
  }
  const applied = await waitApplied(store, name, id, waitMs);
  if (!applied) {
    throw new CliFailure(
      `requested ${action} of rollout '${name}', but no instance applied it within ${waitMs / 1000}s: is a service running the rollout? The request stays pending; use --direct to apply it without hooks`,
      'NOT_APPLIED',
    );
  }
  s.out.result(applied, () => `${s.out.c.green('✓')} rollout '${name}' ${PAST[action]}: phase ${applied.phase}, weight ${weightText(applied)}${applied.message ? ` (${applied.message})` : ''}`);
}

function parseWait(v: string | boolean): number {
  if (v === true) return 30_000;
  try {
    const ms = parseDuration(String(v), '--wait');
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  throw new UsageError(`--wait takes a duration such as 10s or 2m, got '${String(v)}'`);
}

/**
 * Polls the state until the request `id` is gone (applied or replaced) and the rollout is not mid-promotion
 * (a promote passes through Promoting on its way to Succeeded); undefined after `ms`.
 */
async function waitApplied(store: Store, name: string, id: string | undefined, ms: number): Promise<RolloutStateEntry | undefined> {
  const until = cliClock.now() + ms;
  for (;;) {
    const cur = await readState(store, name);
    if (cur && cur.doc.requestedAction?.id !== id && cur.doc.phase !== 'Promoting') return { ...cur.doc, version: cur.version };
    if (cliClock.now() >= until) return undefined;
    await sleep(Math.min(100, Math.max(1, until - cliClock.now())));
  }
}

/** The `rollouts` command group. */
export function rolloutsCommand(): Command {
  const rollouts = new Command('rollouts').description('canary, blue-green, ring and guarded flag rollouts: state and manual actions');
  rollouts
    .command('list')
    .description('list every rollout: kind, phase, weight, failed checks, pending action')
    .action(
      run(async (s) => {
        const rows = await listRolloutStates(await s.store());
        s.out.result(rows, () => rolloutsTable(s.out, rows));
      }),
    );
  rollouts.command('status').argument('<name>', 'the rollout name').description('show one rollout in detail').action(run(async (s, [name]) => status(s, name!)));
  const help: Record<RolloutAction, string> = {
    promote: 'promote now: skip the remaining steps and finish the rollout (the new version serves everything)',
    abort: 'abort: roll back to the stable version (phase Failed)',
    pause: 'pause: hold the weight; the analysis stops until resume',
    resume: 'resume a paused rollout where it was',
  };
  for (const action of ['promote', 'abort', 'pause', 'resume'] as const) {
    const cmd = rollouts.command(action).argument('<name>', 'the rollout name').description(help[action]);
    if (action === 'abort') cmd.option('--reason <text>', "why (shown in the rollout's message)");
    else cmd.option('--reason <text>', 'a note recorded with the request');
    cmd
      .option('--wait [duration]', 'wait until the instance running the rollout has applied it (default 30s); exit 1 if none does in time')
      .option('--direct', 'apply the transition now from here, without running hooks (when no service instance runs the rollout)')
      .action(run<ActionOptions>(async (s, [name], o) => act(s, name!, action, o)));
  }
  return rollouts;
}
