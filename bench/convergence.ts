// How fast a change made on one instance of a fleet reaches all of them: the shared loop of the rollout benches.
import { performance } from 'node:perf_hooks';
import { percentile, table } from './harness.js';

/**
 * One round: `watch` subscribes an instance and calls `seen` once it shows the change (returns the unsubscribe);
 * `trigger` makes the change (a returned promise is awaited before the next round, so no write is still in flight).
 */
export interface ConvergenceRound<I> {
  watch(instance: I, seen: () => void): () => void;
  trigger(): unknown;
}

/** An instance with typed events (canary, blue-green, rings all extend the core Emitter). */
export interface Watchable<E extends string, S> {
  on(event: E, listener: (state: S) => void): unknown;
  off(event: E, listener: (state: S) => void): unknown;
}

/**
 * The usual `watch`: listens for `event` until a state `reached` accepts arrives.
 * @example watch: onEvent('weight', (s: { weight: number }) => s.weight === i + 1)
 */
export function onEvent<E extends string, S>(event: E, reached: (state: S) => boolean): (instance: Watchable<E, S>, seen: () => void) => () => void {
  return (instance, seen) => {
    const on = (state: S): void => {
      if (reached(state)) seen();
    };
    instance.on(event, on);
    return () => void instance.off(event, on);
  };
}

export interface Convergence {
  instances: number;
  /** ms until each instance other than the first saw the change, over every round. */
  lags: number[];
  /** ms until the last instance (the first included) saw the change, one per round. */
  worst: number[];
}

/**
 * Runs `rounds` rounds; in each, times from just before `trigger()` until every instance has called `seen`.
 * @example const c = await measureConvergence(canaries, 60, (i) => ({ watch: ..., trigger: () => canaries[0]!.runAnalysis() }));
 */
export async function measureConvergence<I>(instances: readonly I[], rounds: number, round: (i: number) => ConvergenceRound<I>): Promise<Convergence> {
  const lags: number[] = [];
  const worst: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = round(i);
    const t0 = performance.now();
    const seenAt: number[] = [];
    let count = 0;
    let triggered: unknown;
    await new Promise<void>((resolve) => {
      instances.forEach((instance, k) => {
        let off: (() => void) | undefined;
        off = r.watch(instance, () => {
          if (seenAt[k] !== undefined) return;
          seenAt[k] = performance.now() - t0;
          off?.();
          off = undefined;
          if (++count === instances.length) resolve();
        });
        if (seenAt[k] !== undefined) off();
      });
      triggered = r.trigger();
    });
    await triggered;
    lags.push(...seenAt.slice(1));
    worst.push(Math.max(...seenAt));
  }
  return { instances: instances.length, lags, worst };
}

/** Prints the p50 / p99 / max table of a convergence run; `others` names the first row. */
export function printConvergence(title: string, others: string, { instances, lags, worst }: Convergence): void {
  table(title, ['measure', 'p50', 'p99', 'max'], [
    [others, percentile(lags, 50), percentile(lags, 99), Math.max(...lags)],
    [`all ${instances === 3 ? 'three' : instances} instances agree`, percentile(worst, 50), percentile(worst, 99), Math.max(...worst)],
  ]);
}
