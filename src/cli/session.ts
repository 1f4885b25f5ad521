// One CLI invocation: the global options, the output channel and the store (opened on first use, closed at the end).
import { parseDuration } from '../core/duration.js';
import { DeliveryError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { CliFailure, maskUrl, UsageError, type StoreLabel } from './errors.js';
import { Output } from './output.js';

/** The global options, valid before or after the command. */
export interface GlobalOptions {
  redis?: string;
  prefix?: string;
  file?: string;
  json?: boolean;
  color?: boolean;
  timeout?: string;
}

/** How long one store call may take before the CLI gives up (Redis unreachable is reported this fast). */
export const DEFAULT_TIMEOUT = '1500ms';

export class Session {
  readonly out: Output;
  readonly #opts: GlobalOptions;
  readonly #env: NodeJS.ProcessEnv;
  #store: Store | undefined;
  #label: StoreLabel | undefined;

  constructor(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.#opts = opts;
    this.#env = env;
    this.out = new Output({ json: opts.json === true, color: opts.color !== false, env });
  }

  /** Where the store is (for messages), once known. */
  get label(): StoreLabel | undefined {
    return this.#label;
  }

  /** Who is acting, recorded with rollout actions: `cli:<user>`. */
  get actor(): string {
    return `cli:${this.#env.USER ?? this.#env.LOGNAME ?? 'unknown'}`;
  }

  /** The timeout of one store call in milliseconds. */
  get timeoutMs(): number {
    try {
      const ms = parseDuration(this.#opts.timeout ?? DEFAULT_TIMEOUT, '--timeout');
      if (ms <= 0) throw new UsageError('--timeout must be longer than 0');
      return ms;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--timeout: ${(err as Error).message.replace(/^--timeout: /, '')}`);
    }
  }

  /** Opens the store the options name: `--redis URL` (or PD_REDIS_URL) or `--file PATH` (read-only). */
  async store(): Promise<Store> {
    if (this.#store) return this.#store;
    const file = this.#opts.file;
    const redis = this.#opts.redis ?? (file === undefined ? this.#env.PD_REDIS_URL || undefined : undefined);
    if (file !== undefined && this.#opts.redis !== undefined) throw new UsageError('give either --redis or --file, not both');
    if (file === undefined && redis === undefined) throw new UsageError('no store: give --redis URL (or set PD_REDIS_URL) or --file PATH');
    if (file !== undefined && this.#opts.prefix !== undefined) throw new UsageError('--prefix applies to --redis only');
    if (file !== undefined) {
      if (!file) throw new UsageError('--file needs a path');
      const { FileStore } = await import('../store/file.js');
      this.#label = { kind: 'file', where: file };
      try {
        this.#store = new FileStore({ path: file, pollIntervalMs: 0, fsWatch: false });
      } catch (err) {
        if (err instanceof DeliveryError) throw new CliFailure(`cannot use ${file}: ${err.message.split('\n')[0]}`, err.code, (err as { issues?: [] }).issues);
        throw err;
      }
      return this.#store;
    }
    const url = redis!;
    if (!/^rediss?:\/\//.test(url)) throw new UsageError(`--redis must be a redis:// or rediss:// URL, got '${maskUrl(url)}'`);
    const timeout = this.timeoutMs;
    let RedisStore: typeof import('../store/redis.js').RedisStore;
    try {
      ({ RedisStore } = await import('../store/redis.js'));
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new CliFailure('--redis needs the ioredis package: npm install ioredis', 'MISSING_PEER');
      throw err;
    }
    this.#label = { kind: 'redis', where: maskUrl(url) };
    this.#store = new RedisStore({ url, ...(this.#opts.prefix !== undefined ? { prefix: this.#opts.prefix } : {}), commandTimeoutMs: timeout });
    return this.#store;
  }

  /** Closes the store if one was opened. Never rejects. */
  async close(): Promise<void> {
    const s = this.#store;
    this.#store = undefined;
    try {
      await s?.close();
    } catch {
      // closing is best effort: the process is about to exit
    }
  }
}
