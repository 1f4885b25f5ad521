// Where results go: JSON for scripts (--json) or aligned, optionally coloured text for people. Results go to
// stdout, notes and errors to stderr, so `progressive-delivery ... --json | jq` always gets clean JSON.
import { colourWanted, palette, type Palette } from './colour.js';
import type { Reported } from './errors.js';
import { renderPairs, renderTable, type Column } from './table.js';

export interface OutputOptions {
  json: boolean;
  color: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/** The CLI's output channel. */
export class Output {
  readonly json: boolean;
  readonly c: Palette;
  readonly #stdout: NodeJS.WriteStream;
  readonly #stderr: NodeJS.WriteStream;
  readonly #errColour: Palette;

  constructor(opts: OutputOptions) {
    this.json = opts.json;
    this.#stdout = opts.stdout ?? process.stdout;
    this.#stderr = opts.stderr ?? process.stderr;
    const env = opts.env ?? process.env;
    this.c = palette(!opts.json && colourWanted(this.#stdout, env, opts.color));
    this.#errColour = palette(!opts.json && colourWanted(this.#stderr, env, opts.color));
  }

  /** True when stdout is a terminal (live redraws). */
  get isTTY(): boolean {
    return this.#stdout.isTTY === true;
  }

  /** Writes text (a newline is added) to stdout. */
  line(text = ''): void {
    this.#stdout.write(`${text}\n`);
  }

  /** Writes raw text to stdout. */
  raw(text: string): void {
    this.#stdout.write(text);
  }

  /** Writes a value as JSON to stdout: pretty-printed, or on one line when `compact` (a stream of records). */
  data(value: unknown, compact = false): void {
    this.#stdout.write(`${compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints `json` with --json, else the text `human()` builds. */
  result(json: unknown, human: () => string): void {
    if (this.json) this.data(json);
    else this.line(human());
  }

  table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
    return renderTable(columns, rows, this.c.bold);
  }

  pairs(pairs: readonly (readonly [string, string])[]): string {
    return renderPairs(pairs, this.c.bold);
  }

  /** A note for people on stderr (kept out of JSON output). */
  note(text: string): void {
    this.#stderr.write(`${text}\n`);
  }

  /** Prints an error: `error: ...` (and each validation problem) or, with --json, `{ "error": {...} }`, on stderr. */
  error(r: Reported): void {
    if (this.json) {
      this.#stderr.write(`${JSON.stringify({ error: { code: r.code, message: r.message, ...(r.issues ? { issues: r.issues } : {}) } })}\n`);
      return;
    }
    const issues = r.issues && r.issues.length > 1 ? r.issues.map((i) => `\n  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('') : '';
    this.#stderr.write(`${this.#errColour.red('error:')} ${r.message}${issues}\n`);
  }

  /** Resolves once everything written has been handed to the OS (before process.exit). */
  async drain(): Promise<void> {
    await Promise.all([this.#stdout, this.#stderr].map((s) => new Promise<void>((resolve) => (s.writableNeedDrain ? s.once('drain', () => resolve()) : resolve()))));
  }
}
