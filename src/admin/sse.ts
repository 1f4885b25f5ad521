// Live updates: one server-sent event stream per open page. Each stream subscribes to the store's watch for the
// namespaces the pages show and sends 'change' events; a 'tick' every liveInterval doubles as the heartbeat and
// refreshes pages whose data has no store event (metrics, shadow counters). Unsubscribed when the client leaves.
import { NS } from '../core/context.js';
import type { Delivery } from '../delivery.js';
import type { SseSource } from './types.js';

const WATCHED: [string, string][] = [
  ['flags', NS.flags],
  ['segments', NS.segments],
  ['experiments', NS.experiments],
  ['rollouts', NS.rollouts],
];

export class EventHub {
  readonly #delivery: Delivery;
  readonly #intervalMs: number;
  readonly #max: number;
  readonly #stops = new Set<() => void>();

  constructor(delivery: Delivery, intervalMs: number, max: number) {
    this.#delivery = delivery;
    this.#intervalMs = intervalMs;
    this.#max = max;
  }

  /** Open streams. */
  get size(): number {
    return this.#stops.size;
  }

  get full(): boolean {
    return this.#stops.size >= this.#max;
  }

  /** A stream source for one client. */
  source(): SseSource {
    return {
      start: (send, end) => {
        const store = this.#delivery.context.store;
        // every timer goes through the delivery's clock (whose timers never keep the process alive)
        const clock = this.#delivery.context.clock;
        let timer: unknown;
        const unwatch: (() => void)[] = [];
        let stopped = false;
        // a client that does not read (write() says the buffer is full) skips events until it drains: bounded memory
        let blocked = false;
        const write = (chunk: string): void => {
          if (stopped || blocked) return;
          try {
            if (!send(chunk)) blocked = true;
          } catch {
            stop();
          }
        };
        const stop = (): void => {
          if (stopped) return;
          stopped = true;
          for (const u of unwatch) u();
          clock.clearTimeout(timer);
          this.#stops.delete(stop);
          end();
        };
        for (const [ns, prefix] of WATCHED) {
          try {
            unwatch.push(store.watch(prefix, (c) => write(`event: change\ndata: ${JSON.stringify({ ns, key: c.key.slice(prefix.length), deleted: c.deleted })}\n\n`)));
          } catch (err) {
            this.#delivery.context.reporter.once('admin:sse-watch', err, 'admin dashboard: watching the store for live updates failed');
          }
        }
        // one timeout, re-armed after each tick unless that tick ended the stream
        const arm = (): void => {
          timer = clock.setTimeout(() => {
            blocked = false; // try again after a tick: if it drained, events flow again
            if (this.#delivery.context.isClosed()) return stop();
            write(`event: tick\ndata: {}\n\n`);
            if (!stopped) arm();
          }, this.#intervalMs);
        };
        arm();
        this.#stops.add(stop);
        write(`retry: 3000\n: connected\n\n`);
        return stop;
      },
    };
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const stop of [...this.#stops]) stop();
  }
}
