import { EventEmitter } from 'eventemitter3';

/**
 * A typed event emitter. Listeners that throw are caught by `emitSafe`, so user code cannot break a hot path.
 */
export class Emitter<Events extends Record<string, (...args: never[]) => void>> {
  readonly #ee = new EventEmitter();

  on<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    this.#ee.on(event, listener as unknown as (...args: unknown[]) => void);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    this.#ee.once(event, listener as unknown as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener?: Events[E]): this {
    this.#ee.off(event, listener as unknown as ((...args: unknown[]) => void) | undefined);
    return this;
  }

  listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#ee.listenerCount(event);
  }

  /** Emits to every listener; a listener that throws is reported to `onError` and the others still run. */
  protected emitSafe<E extends keyof Events & string>(event: E, onError: (err: unknown) => void, ...args: Parameters<Events[E]>): void {
    const listeners = this.#ee.listeners(event);
    for (const l of listeners) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (err) {
        onError(err);
      }
    }
  }

  protected removeAll(): void {
    this.#ee.removeAllListeners();
  }
}
