// `progressive-delivery watch`: a live table of rollouts, redrawn when the store says a rollout changed (and every
// --interval, so ages stay current). Ends on Ctrl-C (exit 0), or after --for, or at once with --once.
import { Command } from 'commander';
import { NS } from '../core/context.js';
import { parseDuration } from '../core/duration.js';
import { listRolloutStates, type RolloutStateEntry } from '../rollout/state.js';
import { cliClock, sleep } from './clock.js';
import { run } from './command.js';
import { report, UsageError } from './errors.js';
import { rolloutsTable } from './rollouts.js';
import type { Session } from './session.js';

interface WatchOptions {
  for?: string;
  once?: boolean;
  interval: string;
}

const duration = (v: string, name: string): number => {
  try {
    const ms = parseDuration(v, name);
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  throw new UsageError(`${name} takes a duration such as 500ms, 10s or 2m, got '${v}'`);
};

const CLEAR = '\x1b[2J\x1b[H';

async function watch(s: Session, o: WatchOptions): Promise<void> {
  const forMs = o.for === undefined ? undefined : duration(o.for, '--for');
  const intervalMs = duration(o.interval, '--interval');
  const store = await s.store();
  const out = s.out;
  const live = out.isTTY && !out.json;
  let lastJson = '';

  const draw = (rows: RolloutStateEntry[]): void => {
    const json = JSON.stringify(rows);
    const changed = json !== lastJson;
    lastJson = json;
    if (out.json) {
      if (changed) out.data({ at: new Date(cliClock.now()).toISOString(), rollouts: rows }, true);
      return;
    }
    if (!live && !changed) return; // a log, not a screen: print only what changed
    const head = `${out.c.bold('rollouts')} in ${s.label?.where ?? 'the store'} at ${new Date(cliClock.now()).toISOString().slice(11, 19)}${live ? out.c.dim('  (Ctrl-C to quit)') : ''}`;
    out.raw(`${live ? CLEAR : ''}${head}\n${rolloutsTable(out, rows)}\n${live ? '' : '\n'}`);
  };

  // Ctrl-C ends the watch cleanly from the first moment (before the first table is drawn, too)
  let end = (): void => {};
  const ended = new Promise<void>((resolve) => {
    end = () => {
      process.off('SIGINT', end);
      process.off('SIGTERM', end);
      resolve();
    };
  });
  if (!o.once) {
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
  }
  try {
    draw(await listRolloutStates(store)); // a store that cannot be read now fails the command (exit 1)
  } catch (err) {
    end();
    throw err;
  }
  if (o.once) return;

  let busy = false;
  let again = false;
  let lastProblem = '';
  const refresh = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        try {
          draw(await listRolloutStates(store));
          lastProblem = '';
        } catch (err) {
          const msg = report(err, s.label).message;
          if (msg !== lastProblem) out.note(`warning: ${msg} (still watching)`);
          lastProblem = msg;
        }
      } while (again);
    } finally {
      busy = false;
    }
  };

  // the CLI's clock: these timers keep the process alive, as a watch must (see clock.ts)
  let debounce: unknown;
  const unwatch = store.watch(NS.rollouts, () => {
    if (debounce !== undefined) return;
    debounce = cliClock.setTimeout(() => {
      debounce = undefined;
      void refresh();
    }, 50);
  });
  let tick: unknown;
  const every = (): void => {
    tick = cliClock.setTimeout(() => {
      every();
      void refresh();
    }, intervalMs);
  };
  every();
  const limit = forMs === undefined ? undefined : cliClock.setTimeout(end, forMs);
  await ended;
  if (limit !== undefined) cliClock.clearTimeout(limit);
  unwatch();
  cliClock.clearTimeout(tick);
  if (debounce !== undefined) cliClock.clearTimeout(debounce);
  while (busy) await sleep(10);
}

/** The `watch` command. */
export function watchCommand(): Command {
  return new Command('watch')
    .description('a live table of rollouts, redrawn on every change in the store (Ctrl-C to quit); with --json one line of JSON per change')
    .option('--for <duration>', 'stop after this long (e.g. 30s, 5m)')
    .option('--once', 'print the table once and exit')
    .option('--interval <duration>', 'also refresh this often', '5s')
    .action(run<WatchOptions>(async (s, _args, o) => watch(s, o)));
}
