// The call path every rollout kind shares: run the handler the request was routed to, record its success and
// duration for that version (target = the rollout's name), and settle exactly as the handler did. A handler that
// returns a plain value is recorded at once, without waiting a microtask; nothing here throws into the host.
import type { DeliveryContext } from '../core/context.js';
import type { CanaryMetrics } from './iteration.js';
import type { Handler } from './types.js';

const isThenable = <T>(v: T | PromiseLike<T>): v is PromiseLike<T> =>
  v instanceof Promise || (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function');

/**
 * Runs routed calls for one rollout and records them.
 * @example
 * const calls = new CallRecorder(ctx, metrics, 'checkout', 'canary', 'canary');
 * await calls.run('stable', v1, req);   // records { target: 'checkout', version: 'stable', success, durationMs }
 */
export class CallRecorder {
  readonly #ctx: DeliveryContext;
  readonly #metrics: CanaryMetrics;
  readonly #target: string;
  readonly #key: string;
  readonly #what: string;

  /** `kind` keys the once-only report of a failing recorder; `label` names the rollout in its message. */
  constructor(ctx: DeliveryContext, metrics: CanaryMetrics, target: string, kind: string, label: string) {
    this.#ctx = ctx;
    this.#metrics = metrics;
    this.#target = target;
    this.#key = `${kind}:${target}:record`;
    this.#what = `${label} '${target}': recording metrics`;
  }

  /** Runs `handler(req)` and records its outcome under `version`; resolves or rejects exactly as the handler did. */
  run<Req, Res>(version: string, handler: Handler<Req, Res>, req: Req): Promise<Res> {
    const t0 = this.#ctx.clock.now();
    let out: Res | Promise<Res>;
    try {
      out = handler(req);
    } catch (err) {
      this.#record(version, false, t0);
      return Promise.reject(err);
    }
    if (isThenable(out)) {
      return Promise.resolve(out).then(
        (v) => {
          this.#record(version, true, t0);
          return v;
        },
        (err: unknown) => {
          this.#record(version, false, t0);
          throw err;
        },
      );
    }
    this.#record(version, true, t0);
    return Promise.resolve(out);
  }

  #record(version: string, success: boolean, t0: number): void {
    try {
      this.#metrics.record({ target: this.#target, version, success, durationMs: this.#ctx.clock.now() - t0 });
    } catch (err) {
      this.#ctx.reporter.once(this.#key, err, this.#what);
    }
  }
}
