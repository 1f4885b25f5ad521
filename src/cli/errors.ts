// How the CLI fails: a usage mistake exits 2, anything else 1, always as one short message without a stack trace
// (validation problems are listed one per line, with their paths).
import { ConflictError, DeliveryError, ValidationError, type ValidationIssue } from '../core/errors.js';

/** Exit codes: 0 success, 1 failure, 2 usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The command line itself is wrong (a missing or malformed option or argument): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the CLI explains itself (exit 1), with a stable code for --json. */
export class CliFailure extends Error {
  readonly code: string;
  readonly issues: ValidationIssue[] | undefined;
  constructor(message: string, code = 'FAILURE', issues?: ValidationIssue[]) {
    super(message);
    this.name = 'CliFailure';
    this.code = code;
    this.issues = issues;
  }
}

/** What is printed and returned for an error. */
export interface Reported {
  exitCode: number;
  code: string;
  message: string;
  issues?: ValidationIssue[];
}

/** Where the store lives, for messages (a Redis URL with its password masked, or a file path). */
export interface StoreLabel {
  kind: 'redis' | 'file';
  where: string;
}

/** Turns anything thrown into what the user sees. Never includes a stack trace. */
export function report(err: unknown, store: StoreLabel | undefined): Reported {
  if (err instanceof UsageError) return { exitCode: EXIT.usage, code: 'USAGE', message: err.message };
  if (err instanceof CliFailure) return { exitCode: EXIT.failure, code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) };
  if (err instanceof ValidationError) return { exitCode: EXIT.failure, code: err.code, message: firstLine(err.message), issues: err.issues };
  if (err instanceof ConflictError) {
    return { exitCode: EXIT.failure, code: err.code, message: `${err.key} was changed by someone else meanwhile; nothing was overwritten: re-read it and run the command again` };
  }
  if (err instanceof DeliveryError) {
    if (err.code === 'STORE_UNAVAILABLE' && store?.kind === 'redis') return { exitCode: EXIT.failure, code: err.code, message: `cannot reach Redis at ${store.where}: ${oneLine(err.message)}` };
    if (err.code === 'READ_ONLY' && store?.kind === 'file') {
      return { exitCode: EXIT.failure, code: err.code, message: `the file store ${store.where} is read-only: edit the file instead (or point --redis at a writable store)` };
    }
    return { exitCode: EXIT.failure, code: err.code, message: oneLine(err.message) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: EXIT.failure, code: 'INTERNAL', message: oneLine(message) };
}

const firstLine = (s: string): string => s.split('\n')[0]!.replace(/:\s*$/, '');
const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');

/** A Redis URL with any password replaced by `***`. */
export function maskUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}
