// Shared plumbing of the commands: running an action in a session, reading JSON files, parsing option values.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseJsonWithPosition } from '../store/json-position.js';
import { cliClock } from './clock.js';
import { CliFailure, report, UsageError } from './errors.js';
import { Session, type GlobalOptions } from './session.js';

/** The exit code of the action that ran (commander's own usage errors are handled in main). */
export const outcome = { exitCode: 0 };

type Action<O> = (s: Session, args: string[], opts: O) => Promise<void>;

/**
 * Wraps a command action: builds the session from the global options (wherever they stood), runs the action,
 * prints any error as one line (or JSON) and records the exit code; always closes the store.
 */
export function run<O = Record<string, unknown>>(fn: Action<O>): (...a: unknown[]) => Promise<void> {
  return async (...a: unknown[]) => {
    const cmd = a[a.length - 1] as Command;
    const args = a.slice(0, -2).flatMap((x) => (Array.isArray(x) ? (x as string[]) : x === undefined ? [] : [x as string]));
    const session = new Session(cmd.optsWithGlobals<GlobalOptions>());
    try {
      await fn(session, args, cmd.opts() as O);
    } catch (err) {
      const r = report(err, session.label);
      session.out.error(r);
      outcome.exitCode = r.exitCode;
    } finally {
      await session.close();
    }
  };
}

/** Reads and parses a JSON file (`-` is stdin); syntax errors say the line and column. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliFailure(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'FILE_UNREADABLE');
  }
  const parsed = parseJsonWithPosition(text);
  if (!parsed.ok) throw new CliFailure(`${path} is not valid JSON: line ${parsed.problem.line}, column ${parsed.problem.column}: ${parsed.problem.message}`, 'INVALID_JSON');
  return parsed.value;
}

/** Parses `--if-version N` (a positive integer). */
export function parseVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--if-version must be a positive integer (the version 'get' shows), got '${text}'`);
  return n;
}

/** How long ago a time was, for people: `12s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function ago(at: number, now = cliClock.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
