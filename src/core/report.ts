import { DeliveryError, toDeliveryError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Reports failures that must never be thrown into the host (store outages, user hooks that throw):
 * to the delivery's 'error' event and the logger. `once(key)` reports a failure once until `clear(key)`,
 * so an outage is one event, not one per evaluation.
 */
export class ErrorReporter {
  readonly #sink: (e: DeliveryError) => void;
  readonly #logger: Required<Logger>;
  readonly #open = new Set<string>();

  constructor(sink: (e: DeliveryError) => void, logger: Required<Logger>) {
    this.#sink = sink;
    this.#logger = logger;
  }

  report(err: unknown, context?: string, code?: string): void {
    const e = toDeliveryError(err, code, context);
    this.#logger.error(e.message, { code: e.code });
    try {
      this.#sink(e);
    } catch {
      // a listener that throws is not our host's problem
    }
  }

  /** Reports under `key` unless that key is already open; returns whether it reported. */
  once(key: string, err: unknown, context?: string, code?: string): boolean {
    if (this.#open.has(key)) return false;
    this.#open.add(key);
    this.report(err, context, code);
    return true;
  }

  /** Closes `key`: the next failure under it is reported again. Returns whether it was open. */
  clear(key: string): boolean {
    return this.#open.delete(key);
  }

  isOpen(key: string): boolean {
    return this.#open.has(key);
  }
}

/** Runs user code, catching and reporting anything it throws; returns `fallback` then. */
export function guard<T>(reporter: ErrorReporter, context: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (err) {
    reporter.report(err, context, 'USER_CODE');
    return fallback;
  }
}

/** Async variant of `guard`. */
export async function guardAsync<T>(reporter: ErrorReporter, context: string, fn: () => T | Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    reporter.report(err, context, 'USER_CODE');
    return fallback;
  }
}

export { DeliveryError };
