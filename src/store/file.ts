import { readFileSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { DeliveryError, ValidationError, type ValidationIssue } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import { assertKey, cloneJson, jsonEqual, type JsonValue } from '../core/json.js';
import { DOCUMENT_NAMESPACES, documentEntries, validateDocument, type DeliveryDocument } from './document.js';
import { parseJsonWithPosition } from './json-position.js';
import { MemoryStore } from './memory.js';
import type { PutOptions, Store, StoreChange, Versioned } from './types.js';

export interface FileStoreOptions {
  /** The JSON document `{ "flags": [...], "segments": [...], "experiments": [...] }`. */
  path: string;
  /** Time source for the poll and for the in-memory TTLs, counters and leases. @default the system clock */
  clock?: Clock;
  /** How often the file is checked for changes, in addition to fs.watch; 0 turns the poll off. @default 1000 */
  pollIntervalMs?: number;
  /** Also react at once to file-system events (fs.watch on the file's folder). @default true */
  fsWatch?: boolean;
}

export type FileStoreEvents = {
  /** The file changed but cannot be used (JSON syntax with line and column, or validation issues); the last good content keeps serving. */
  error: (err: DeliveryError) => void;
  /** A new version of the file was loaded; `changed` lists the store keys that differ. */
  reload: (changed: string[]) => void;
};

interface FileEntry {
  value: JsonValue;
  version: number;
}

/**
 * Flags as code: serves the flags, segments and experiments of a JSON file, under `flags/<key>`, `segments/<key>`
 * and `experiments/<key>`. Those keys are read-only (writes reject with code 'READ_ONLY': edit the file). The file is
 * re-read when it changes (fs.watch, plus a poll through the clock), and watchers see only what differs. A file that
 * fails to parse or validate is reported through the 'error' event and the last good content keeps serving.
 *
 * Everything else a delivery writes at run time (rollout state, exposures, counters, leases, metrics) lives in
 * this process's memory, as in a MemoryStore: it is neither written to the file nor shared with other processes.
 * @example
 * const store = new FileStore({ path: './flags.json' });
 * store.on('error', (e) => console.error(e.message));
 * const delivery = createDelivery({ store });
 */
export class FileStore extends Emitter<FileStoreEvents> implements Store {
  readonly #path: string;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #runtime: MemoryStore;
  #entries = new Map<string, FileEntry>();
  /** Last version per key, kept after removal so versions keep growing. */
  readonly #versions = new Map<string, number>();
  #watchers: { prefix: string; listener: (c: StoreChange) => void }[] = [];
  #lastText: string | undefined;
  #fsWatcher: FSWatcher | undefined;
  #pollTimer: unknown;
  #reloading: Promise<boolean> | undefined;
  #again = false;
  #closed = false;

  /** Reads the file at once: an unreadable or invalid file at start is a ValidationError (nothing to fall back to). */
  constructor(opts: FileStoreOptions) {
    super();
    const issues: ValidationIssue[] = [];
    if (typeof opts?.path !== 'string' || opts.path.length === 0) issues.push({ path: 'path', message: 'must be the path of a JSON file' });
    const poll = opts?.pollIntervalMs ?? 1000;
    if (typeof poll !== 'number' || !Number.isFinite(poll) || poll < 0) issues.push({ path: 'pollIntervalMs', message: `must be a number of milliseconds >= 0, got ${String(poll)}` });
    if (issues.length) throw new ValidationError(issues, { subject: 'FileStore options' });
    this.#path = resolve(opts.path);
    this.#clock = opts.clock ?? systemClock;
    this.#pollMs = poll;
    this.#runtime = new MemoryStore({ clock: this.#clock });
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (err) {
      throw new DeliveryError(`FileStore cannot read ${this.#path}: ${(err as Error).message}`, 'FILE_UNREADABLE', { cause: err });
    }
    const loaded = this.#load(text);
    if (loaded instanceof DeliveryError) throw loaded;
    this.#swap(text, loaded);
    if (opts.fsWatch !== false) this.#startFsWatch();
    this.#schedulePoll();
  }

  /** The absolute path of the file. */
  get path(): string {
    return this.#path;
  }

  /** Parses and validates a text; the entries, or the error to report. */
  #load(text: string): Map<string, JsonValue> | DeliveryError {
    const parsed = parseJsonWithPosition(text);
    if (!parsed.ok) {
      const { line, column, message } = parsed.problem;
      return new ValidationError([{ path: '', message: `invalid JSON at line ${line}, column ${column}: ${message}` }], { subject: this.#path });
    }
    const issues = validateDocument(parsed.value);
    if (issues.length) return new ValidationError(issues, { subject: `${this.#path} (the last valid version keeps serving)` });
    return documentEntries(parsed.value as DeliveryDocument);
  }

  /** Installs new entries and returns the changes (by content) against the previous ones. */
  #swap(text: string, next: Map<string, JsonValue>): StoreChange[] {
    this.#lastText = text;
    const changes: StoreChange[] = [];
    const entries = new Map<string, FileEntry>();
    for (const [key, value] of next) {
      const prev = this.#entries.get(key);
      if (prev && jsonEqual(prev.value, value)) {
        entries.set(key, prev);
        continue;
      }
      const version = (this.#versions.get(key) ?? 0) + 1;
      this.#versions.set(key, version);
      entries.set(key, { value, version });
      changes.push({ key, value, version, deleted: false });
    }
    for (const key of this.#entries.keys()) {
      if (next.has(key)) continue;
      const version = (this.#versions.get(key) ?? 0) + 1;
      this.#versions.set(key, version);
      changes.push({ key, version, deleted: true });
    }
    this.#entries = entries;
    return changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Re-reads the file now. Resolves true when new content was loaded, false when nothing changed or the new content
   * is invalid (reported through 'error'). Never rejects.
   */
  reload(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    const run = async (): Promise<boolean> => {
      let loadedAny = false;
      do {
        this.#again = false;
        loadedAny = (await this.#reloadOnce()) || loadedAny;
      } while (this.#again && !this.#closed);
      return loadedAny;
    };
    this.#reloading = run().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reloadOnce(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      // a file being replaced may be missing for an instant: report, keep serving
      this.#report(new DeliveryError(`FileStore cannot read ${this.#path}: ${(err as Error).message}; the last valid version keeps serving`, 'FILE_UNREADABLE', { cause: err }));
      return false;
    }
    if (this.#closed || text === this.#lastText) return false;
    const loaded = this.#load(text);
    if (loaded instanceof DeliveryError) {
      this.#lastText = text; // report a bad version once, not at every poll
      this.#report(loaded);
      return false;
    }
    const changes = this.#swap(text, loaded);
    for (const c of changes) this.#notify(c);
    this.emitSafe('reload', () => {}, changes.map((c) => c.key));
    return true;
  }

  #report(err: DeliveryError): void {
    this.emitSafe('error', () => {}, err);
  }

  #startFsWatch(): void {
    try {
      const name = basename(this.#path);
      // the folder, not the file: editors and deploy tools replace files by rename
      this.#fsWatcher = fsWatch(dirname(this.#path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) void this.reload();
      });
      this.#fsWatcher.on('error', () => {
        this.#fsWatcher?.close();
        this.#fsWatcher = undefined; // the poll still runs
      });
    } catch {
      this.#fsWatcher = undefined; // fs.watch is not available here: the poll is the fallback
    }
  }

  #schedulePoll(): void {
    if (this.#pollMs === 0 || this.#closed) return;
    this.#pollTimer = this.#clock.setTimeout(() => {
      void this.reload().finally(() => this.#schedulePoll());
    }, this.#pollMs);
  }

  #notify(change: StoreChange): void {
    for (const w of this.#watchers) {
      if (!change.key.startsWith(w.prefix)) continue;
      try {
        w.listener(change.value === undefined ? { ...change } : { ...change, value: cloneJson(change.value) });
      } catch {
        // a watcher's failure is its own
      }
    }
  }

  #check(): void {
    if (this.#closed) throw new DeliveryError('FileStore is closed', 'STORE_CLOSED');
  }

  #readOnly(key: string): void {
    if (DOCUMENT_NAMESPACES.some((ns) => key.startsWith(ns))) {
      throw new DeliveryError(
        `FileStore is read-only for '${key}': edit ${this.#path} (flags, segments and experiments come from that file) and it is reloaded on change`,
        'READ_ONLY',
      );
    }
  }

  async get(key: string): Promise<Versioned | undefined> {
    this.#check();
    assertKey(key);
    const e = this.#entries.get(key);
    if (e) return { value: cloneJson(e.value), version: e.version };
    return this.#runtime.get(key);
  }

  async list(prefix: string): Promise<({ key: string } & Versioned)[]> {
    this.#check();
    if (typeof prefix !== 'string') throw new DeliveryError('prefix must be a string', 'VALIDATION');
    const out = await this.#runtime.list(prefix);
    for (const [key, e] of this.#entries) if (key.startsWith(prefix)) out.push({ key, value: cloneJson(e.value), version: e.version });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async put(key: string, value: JsonValue, opts?: PutOptions): Promise<number> {
    this.#check();
    assertKey(key);
    this.#readOnly(key);
    return this.#runtime.put(key, value, opts);
  }

  async delete(key: string, opts?: { expectedVersion?: number }): Promise<boolean> {
    this.#check();
    assertKey(key);
    this.#readOnly(key);
    return this.#runtime.delete(key, opts);
  }

  watch(prefix: string, listener: (change: StoreChange) => void): () => void {
    this.#check();
    const w = { prefix, listener };
    this.#watchers.push(w);
    const stopRuntime = this.#runtime.watch(prefix, listener);
    return () => {
      this.#watchers = this.#watchers.filter((x) => x !== w);
      stopRuntime();
    };
  }

  async increment(key: string, field: string, by: number, opts?: { ttlMs?: number }): Promise<number> {
    this.#check();
    return this.#runtime.increment(key, field, by, opts);
  }

  async counters(key: string): Promise<Record<string, number>> {
    this.#check();
    return this.#runtime.counters(key);
  }

  async setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<boolean> {
    this.#check();
    assertKey(key);
    this.#readOnly(key);
    return this.#runtime.setIfAbsent(key, value, opts);
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#check();
    return this.#runtime.acquireLease(name, owner, ttlMs);
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.#check();
    return this.#runtime.releaseLease(name, owner);
  }

  /** Stops the file watch and the poll; drops the in-memory runtime state. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fsWatcher?.close();
    this.#fsWatcher = undefined;
    if (this.#pollTimer !== undefined) this.#clock.clearTimeout(this.#pollTimer);
    this.#watchers = [];
    await this.#runtime.close();
    this.removeAll();
  }
}
