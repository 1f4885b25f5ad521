// The CLI's clock. The library's systemClock unrefs its timers so that a delivery never holds a service's process
// open. The CLI's waits are the opposite case: `rollouts ... --wait`, `watch` and its `--for` are the very work the
// process runs for, and nothing else may hold the event loop meanwhile (a --file store has no socket), so an unref'd
// timer would let Node exit in the middle of the wait, with exit 0 and nothing printed. These timers keep the process
// alive; what ends them is the wait's own end, --for, or Ctrl-C.
import { systemClock, type Clock } from '../core/clock.js';

export const cliClock: Clock = {
  now: systemClock.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the CLI's clock. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => cliClock.setTimeout(resolve, ms));
