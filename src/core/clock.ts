/** The source of time for everything in the library. Timers it returns must not keep the process alive. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: epoch milliseconds with sub-millisecond resolution (the process's time origin plus the monotonic
 * `performance.now()`, so in-process durations shorter than 1 ms are measured, not rounded to 0) and unref'd timers.
 */
const timeOrigin = performance.timeOrigin; // constant for the process; its getter costs ~10 ns per read

export const systemClock: Clock = {
  now: () => timeOrigin + performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** A clock driven by hand, for tests: time moves only through `advance()` or `set()`. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running every timer that falls due, in due order (ties in creation order). */
  advance(ms: number): void;
  /** Like `advance`, but lets promises settle after every timer, so async work started by a timer can finish. */
  advanceAsync(ms: number): Promise<void>;
  /** Number of timers waiting. */
  pending(): number;
}

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * Creates a manual clock starting at `start` (default 0).
 * @example
 * const clock = createManualClock(); clock.setTimeout(() => done(), 1000); clock.advance(1000);
 */
export function createManualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  let timers: ManualTimer[] = [];
  const nextDue = (until: number): ManualTimer | undefined => {
    let best: ManualTimer | undefined;
    for (const t of timers) if (t.at <= until && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    return best;
  };
  const clock: ManualClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { id: ++seq, at: now + Math.max(0, Number.isFinite(ms) ? ms : 0), fn };
      timers.push(t);
      return t.id;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
    advance(ms) {
      const until = now + ms;
      for (let t = nextDue(until); t; t = nextDue(until)) {
        timers = timers.filter((x) => x !== t);
        now = Math.max(now, t.at);
        t.fn();
      }
      now = until;
    },
    async advanceAsync(ms) {
      const until = now + ms;
      await flushMicrotasks();
      for (let t = nextDue(until); t; t = nextDue(until)) {
        timers = timers.filter((x) => x !== t);
        now = Math.max(now, t.at);
        t.fn();
        await flushMicrotasks();
      }
      now = until;
      await flushMicrotasks();
    },
    pending: () => timers.length,
  };
  return clock;
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Sleeps on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
