import type { Clock } from '../core/clock.js';
import type { ErrorReporter } from '../core/report.js';
import { describeError } from './compare.js';
import { LatencyWindow } from './latency.js';
import type { NoiseModel } from './noise.js';
import type { ShadowCounters } from './telemetry.js';
import type { Comparator, Diff, Outcome, ShadowIgnore, ShadowResult, ShadowStats } from './types.js';

export interface RecorderOptions<Req, Res> {
  name: string;
  reporter: ErrorReporter;
  clock: Clock;
  compare: Comparator<Res>;
  /** Asked in order about each mismatch; empty for none. */
  ignore: readonly ShadowIgnore<Res>[];
  noise?: NoiseModel | undefined;
  redact?: ((r: ShadowResult<Res, Req>) => ShadowResult<Res, Req>) | undefined;
  mismatchLogSize: number;
  latencyWindow: number;
  emit: (event: 'result' | 'mismatch', r: ShadowResult<Res, Req>) => void;
}

const DIFF_KINDS = new Set(['changed', 'added', 'removed', 'error']);

/**
 * The reporting half shared by the shadow client and the mirror middleware: counters, the comparison (guarded),
 * noise filtering, per-side latency, the mismatch ring buffer, redaction and events. Everything here runs off the
 * primary's path, and nothing here throws.
 */
export class ShadowRecorder<Req, Res> implements ShadowCounters {
  readonly name: string;
  // plain fields: the hot path increments them
  callCount = 0;
  mirrored = 0;
  matched = 0;
  mismatched = 0;
  ignored = 0;
  shadowErrors = 0;
  timeouts = 0;
  dropped = 0;
  skipped = 0;
  tooLarge = 0;
  userErrors = 0;
  inFlightCount = 0;
  readonly #o: RecorderOptions<Req, Res>;
  readonly #primaryLatency: LatencyWindow;
  readonly #shadowLatency: LatencyWindow;
  readonly #log: (ShadowResult<Res, Req> | undefined)[];
  #logNext = 0;

  constructor(o: RecorderOptions<Req, Res>) {
    this.name = o.name;
    this.#o = o;
    this.#primaryLatency = new LatencyWindow(o.latencyWindow);
    this.#shadowLatency = new LatencyWindow(o.latencyWindow);
    this.#log = new Array<ShadowResult<Res, Req> | undefined>(o.mismatchLogSize);
  }

  /** Reports a failure of user code once per kind (until that code next succeeds) and counts it. */
  userError(what: string, err: unknown): void {
    this.userErrors++;
    this.#o.reporter.once(`shadow:${this.name}:${what}`, err, `shadow '${this.name}': ${what} threw`, 'USER_CODE');
  }

  userOk(what: string): void {
    if (this.#o.reporter.isOpen(`shadow:${this.name}:${what}`)) this.#o.reporter.clear(`shadow:${this.name}:${what}`);
  }

  /** Runs the comparator; a throw or a non-list becomes one 'error' diff at the root (a mismatch: nothing was verified). */
  compare(primary: Outcome<Res>, shadow: Outcome<Res>): Diff[] {
    let out: unknown;
    try {
      out = this.#o.compare(primary, shadow);
    } catch (err) {
      this.userError('compare', err);
      return [{ path: '', kind: 'error', shadow: `comparator threw: ${describeError(err).message}` }];
    }
    if (!Array.isArray(out)) {
      this.userError('compare', new TypeError(`a comparator must return an array of diffs, got ${typeof out}`));
      return [{ path: '', kind: 'error', shadow: 'comparator returned no list of diffs' }];
    }
    this.userOk('compare');
    return out.map(normaliseDiff);
  }

  /** Whether an `ignore` predicate accepts the pair; a throwing one counts as false (the next ones still run). */
  #ignores(primary: Outcome<Res>, shadow: Outcome<Res>): boolean {
    let threw = false;
    for (const fn of this.#o.ignore) {
      try {
        if (fn(primary, shadow) === true) {
          if (!threw) this.userOk('ignore');
          return true;
        }
      } catch (err) {
        threw = true;
        this.userError('ignore', err);
      }
    }
    if (!threw) this.userOk('ignore');
    return false;
  }

  /** Decides a mirrored call whose primary and shadow have both settled. */
  decide(req: Req, endpoint: string, primary: Outcome<Res>, shadow: Outcome<Res>, secondary?: Outcome<Res>): void {
    const noise = this.#o.noise;
    if (noise && secondary && !Object.hasOwn(secondary, 'error') && !Object.hasOwn(primary, 'error') && !secondary.timedOut) {
      noise.learn(endpoint, this.compare(primary, secondary));
    }
    if (Object.hasOwn(shadow, 'error')) this.shadowErrors++;
    this.#primaryLatency.observe(primary.durationMs);
    this.#shadowLatency.observe(shadow.durationMs);
    const all = this.compare(primary, shadow);
    const { kept, noise: filtered } = noise ? noise.filter(endpoint, all) : { kept: all, noise: [] as Diff[] };
    const match = kept.length === 0;
    // as in Scientist, ignore is asked about mismatches only: a call that matches stays matched
    if (!match && this.#o.ignore.length > 0 && this.#ignores(primary, shadow)) {
      this.ignored++;
      this.#publish({ name: this.name, request: req, primary, shadow, match: false, diffs: kept, outcome: 'ignored', noise: filtered, endpoint, at: this.#o.clock.now() });
      return;
    }
    if (match) this.matched++;
    else this.mismatched++;
    this.#publish({ name: this.name, request: req, primary, shadow, match, diffs: kept, outcome: match ? 'matched' : 'mismatched', noise: filtered, endpoint, at: this.#o.clock.now() });
  }

  /** Decides a mirrored call that did not settle in time: a timeout, whatever the other side did. */
  timeout(req: Req, endpoint: string, primary: Outcome<Res>, shadow: Outcome<Res>): void {
    this.timeouts++;
    if (!primary.timedOut) this.#primaryLatency.observe(primary.durationMs);
    this.#publish({ name: this.name, request: req, primary, shadow, match: false, diffs: [], outcome: 'timeout', noise: [], endpoint, at: this.#o.clock.now() });
  }

  #publish(raw: ShadowResult<Res, Req>): void {
    const r = this.#redact(raw);
    if (!raw.match && raw.outcome === 'mismatched' && this.#log.length > 0) {
      this.#log[this.#logNext] = r;
      this.#logNext = (this.#logNext + 1) % this.#log.length;
    }
    this.#o.emit('result', r);
    if (raw.outcome === 'mismatched') this.#o.emit('mismatch', r);
  }

  #redact(r: ShadowResult<Res, Req>): ShadowResult<Res, Req> {
    const redact = this.#o.redact;
    if (!redact) return r;
    try {
      const out = redact(r);
      if (out && typeof out === 'object') {
        this.userOk('redact');
        return out;
      }
      throw new TypeError('redact must return the result object');
    } catch (err) {
      this.userError('redact', err);
      // never store or emit what redact was meant to hide
      const bare = (o: Outcome<Res>): Outcome<Res> => ({ durationMs: o.durationMs, ...(o.timedOut ? { timedOut: true } : {}) });
      const strip = (d: Diff): Diff => ({ path: d.path, kind: d.kind });
      return { ...r, request: undefined as Req, primary: bare(r.primary), shadow: bare(r.shadow), diffs: r.diffs.map(strip), noise: r.noise.map(strip) };
    }
  }

  /** The last mismatches, oldest first. */
  mismatches(): ShadowResult<Res, Req>[] {
    const n = this.#log.length;
    const out: ShadowResult<Res, Req>[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.#log[(this.#logNext + i) % n];
      if (r) out.push(r);
    }
    return out;
  }

  stats(): ShadowStats {
    return {
      calls: this.callCount,
      mirrored: this.mirrored,
      matched: this.matched,
      mismatched: this.mismatched,
      ignored: this.ignored,
      shadowErrors: this.shadowErrors,
      timeouts: this.timeouts,
      dropped: this.dropped,
      skipped: this.skipped,
      inFlight: this.inFlightCount,
      userErrors: this.userErrors,
      latency: { primary: this.#primaryLatency.summary(), shadow: this.#shadowLatency.summary() },
      noise: this.#o.noise?.stats() ?? { samples: 0, filtered: 0, endpoints: [] },
    };
  }

  counts(): Record<string, number> {
    const c: Record<string, number> = {
      matched: this.matched,
      mismatched: this.mismatched,
      timeout: this.timeouts,
      error: this.shadowErrors,
      dropped: this.dropped,
    };
    if (this.ignored) c.ignored = this.ignored;
    if (this.tooLarge) c.too_large = this.tooLarge;
    return c;
  }

  calls(): number {
    return this.callCount;
  }

  inFlight(): number {
    return this.inFlightCount;
  }
}

function normaliseDiff(d: unknown): Diff {
  if (d === null || typeof d !== 'object') return { path: '', kind: 'changed', shadow: d };
  const x = d as Partial<Diff>;
  if (typeof x.path === 'string' && DIFF_KINDS.has(x.kind as string)) return x as Diff;
  const kind = DIFF_KINDS.has(x.kind as string) ? (x.kind as Diff['kind']) : 'changed';
  const out: Diff = { path: typeof x.path === 'string' ? x.path : '', kind };
  if ('primary' in x) out.primary = x.primary;
  if ('shadow' in x) out.shadow = x.shadow;
  return out;
}
