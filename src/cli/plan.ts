// Importing a document (or `put`ting definitions): validate the result as a whole, compute what changes, then
// write with compare-and-set. Nothing is written when any definition is invalid.
import { documentEntries, validateDocument, type DeliveryDocument } from '../store/document.js';
import { ConflictError, DeliveryError, type ValidationIssue } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { FlagDefinition } from '../flags/types.js';
import type { Store, Versioned } from '../store/types.js';
import { jsonDiff, type DiffLine } from './diff.js';
import { CliFailure } from './errors.js';
import { conflictOr, NAMESPACE, type Kind, type StoreState } from './repo.js';

/** One change a document makes to the store. */
export interface Change {
  kind: Kind;
  key: string;
  action: 'create' | 'update' | 'delete';
  /** The stored version it was planned against (0: absent): written only if still so. */
  expectedVersion: number;
  /** The value to store (absent for deletes). */
  value?: JsonValue;
  diffs: DiffLine[];
}

const SECTIONS = [
  ['flags', 'flag'],
  ['segments', 'segment'],
  ['experiments', 'experiment'],
] as const;

type Section = (typeof SECTIONS)[number][0];

const stateOf = (state: StoreState, s: Section) => (s === 'flags' ? state.flags : s === 'segments' ? state.segments : state.experiments) as Map<string, { def: unknown; version: number }>;

export interface PlanOptions {
  /** Delete stored definitions of the sections the document holds that it does not list. @default false */
  prune?: boolean;
}

/**
 * Validates `doc` merged into the stored state (the document's definitions replace stored ones of the same key;
 * with `prune`, stored ones it does not list are dropped) and returns the changes, or every problem. Problems of the
 * document keep its paths (`flags[2].rules[0]`); problems it causes to stored definitions it does not list are
 * reported at `(stored) flags/<key>`.
 */
export function planDocument(doc: DeliveryDocument, state: StoreState, opts: PlanOptions = {}): { changes: Change[]; issues: ValidationIssue[] } {
  const own = validateDocument(doc);
  // the document alone may refer to stored definitions it does not hold: check the merged set instead
  const merged: Record<Section, unknown[]> = { flags: [], segments: [], experiments: [] };
  const extras: Record<Section, string[]> = { flags: [], segments: [], experiments: [] };
  for (const [s] of SECTIONS) {
    const listed = Array.isArray(doc[s]) ? (doc[s] as unknown[]) : [];
    merged[s].push(...listed);
    if (opts.prune && doc[s] !== undefined) continue;
    const keys = new Set(listed.map((d) => (d as { key?: unknown } | null)?.key));
    for (const [key, e] of stateOf(state, s)) {
      if (keys.has(key)) continue;
      merged[s].push(e.def);
      extras[s].push(key);
    }
  }
  const shapeIssues = own.filter((i) => !/^(flags|segments|experiments)\[\d+\]/.test(i.path));
  const mergedIssues = validateDocument(merged).map((i) => remap(i, doc, extras));
  const issues = dedupe([...shapeIssues, ...mergedIssues]);
  if (issues.length) return { changes: [], issues };

  const changes: Change[] = [];
  const entries = documentEntries(doc);
  for (const [s, kind] of SECTIONS) {
    const stored = stateOf(state, s);
    const listed = new Set<string>();
    for (const d of (doc[s] ?? []) as { key: string }[]) {
      listed.add(d.key);
      const value = entries.get(NAMESPACE[kind] + d.key)!;
      const cur = stored.get(d.key);
      if (!cur) changes.push({ kind, key: d.key, action: 'create', expectedVersion: 0, value, diffs: jsonDiff(undefined, d) });
      else {
        const diffs = jsonDiff(cur.def, d);
        if (diffs.length) changes.push({ kind, key: d.key, action: 'update', expectedVersion: cur.version, value, diffs });
      }
    }
    if (opts.prune && doc[s] !== undefined) {
      for (const [key, cur] of stored) if (!listed.has(key)) changes.push({ kind, key, action: 'delete', expectedVersion: cur.version, diffs: [] });
    }
  }
  return { changes: order(changes, doc), issues: [] };
}

function remap(i: ValidationIssue, doc: DeliveryDocument, extras: Record<Section, string[]>): ValidationIssue {
  const m = /^(flags|segments|experiments)\[(\d+)\](.*)$/.exec(i.path);
  if (!m) return i;
  const s = m[1] as Section;
  const n = Array.isArray(doc[s]) ? (doc[s] as unknown[]).length : 0;
  const idx = Number(m[2]);
  if (idx < n) return i;
  return { path: `(stored) ${s}/${extras[s][idx - n]}${m[3]}`, message: i.message };
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Write order that keeps every intermediate state valid for readers: segments, then flags with their prerequisites
 * first, then experiments; deletes last, dependent flags before the flags and segments they use.
 */
function order(changes: Change[], doc: DeliveryDocument): Change[] {
  const depth = new Map<string, number>();
  const defs = new Map(((doc.flags ?? []) as FlagDefinition[]).map((f) => [f.key, f]));
  const depthOf = (key: string, seen = new Set<string>()): number => {
    if (depth.has(key)) return depth.get(key)!;
    if (seen.has(key)) return 0;
    seen.add(key);
    const d = Math.max(0, ...(defs.get(key)?.prerequisites ?? []).map((p) => 1 + depthOf(p.flag, seen)));
    depth.set(key, d);
    return d;
  };
  const rank = (c: Change): number[] => {
    const kindRank = { segment: 0, flag: 1, experiment: 2 }[c.kind];
    if (c.action !== 'delete') return [0, kindRank, c.kind === 'flag' ? depthOf(c.key) : 0];
    return [1, c.kind === 'flag' ? 0 : kindRank, 0];
  };
  return [...changes].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

/** A change that reached the store: what the key held before it, and its version now (0: the change deleted it). */
interface Written {
  change: Change;
  previous: Versioned | undefined;
  version: number;
}

/**
 * Writes the changes in order, all or nothing as far as a store without multi-key transactions allows. Every planned
 * version is checked again first (a concurrent edit found there writes nothing). Each write is a compare-and-set
 * against the planned version; when one fails, the changes already written are undone in reverse order, each with
 * compare-and-set on the version it wrote (so an edit someone made meanwhile is kept, never overwritten), and the
 * error says that nothing was changed, or exactly which keys could not be restored.
 */
export async function applyPlan(store: Store, changes: readonly Change[]): Promise<void> {
  const before: (Versioned | undefined)[] = [];
  for (const c of changes) {
    const now = await store.get(NAMESPACE[c.kind] + c.key);
    if ((now?.version ?? 0) !== c.expectedVersion) throw conflictOr(conflict(c, now?.version), c.kind, c.key, c.expectedVersion);
    before.push(now);
  }
  const written: Written[] = [];
  for (const [i, c] of changes.entries()) {
    const key = NAMESPACE[c.kind] + c.key;
    try {
      let version = 0;
      if (c.action === 'delete') await store.delete(key, { expectedVersion: c.expectedVersion });
      else version = await store.put(key, c.value!, { expectedVersion: c.expectedVersion });
      written.push({ change: c, previous: before[i], version });
    } catch (err) {
      const landed = await landedAnyway(store, c, err);
      if (typeof landed === 'number') written.push({ change: c, previous: before[i], version: landed });
      throw await undo(store, written, failureText(err, c), err instanceof DeliveryError ? err.code : 'FAILURE', landed === 'unknown' ? c : undefined);
    }
  }
}

/**
 * Whether a write that failed without a conflict landed all the same (a Redis command that timed out may still have
 * run): its version if the key now holds exactly what was written, 'unknown' if the key cannot be read either.
 */
async function landedAnyway(store: Store, c: Change, err: unknown): Promise<number | 'unknown' | undefined> {
  if (err instanceof ConflictError) return undefined;
  let now: Versioned | undefined;
  try {
    now = await store.get(NAMESPACE[c.kind] + c.key);
  } catch {
    return 'unknown';
  }
  if ((now?.version ?? 0) === c.expectedVersion) return undefined;
  if (c.action === 'delete') return now ? undefined : 0;
  return now && JSON.stringify(now.value) === JSON.stringify(c.value) ? now.version : undefined;
}

/** Restores what `written` replaced, newest first; returns the error to report. */
async function undo(store: Store, written: readonly Written[], why: string, code: string, unknown: Change | undefined): Promise<CliFailure> {
  const overwritten: string[] = []; // someone else wrote it after us: theirs stays
  const unsure: string[] = []; // the store failed: the undo may or may not have landed
  for (const w of [...written].reverse()) {
    const key = NAMESPACE[w.change.kind] + w.change.key;
    try {
      if (w.previous) await store.put(key, w.previous.value, { expectedVersion: w.version });
      else await store.delete(key, { expectedVersion: w.version });
    } catch (err) {
      if (err instanceof ConflictError) overwritten.push(`${name(w.change)} (changed by someone else meanwhile: ${err.actualVersion === undefined ? 'it is gone now' : `it is at version ${err.actualVersion} now`})`);
      else unsure.push(`${name(w.change)} (${oneLine(err)})`);
    }
  }
  const undone = written.length - overwritten.length - unsure.length;
  const reverted = undone === 0 ? '' : undone === 1 ? 'the change already written was undone' : `the ${undone} changes already written were undone`;
  if (!overwritten.length && !unsure.length && !unknown) return new CliFailure(`${why}; ${reverted ? `${reverted}, so ` : ''}nothing was changed: re-read the store and run the command again`, code);
  const problems = [
    ...(overwritten.length ? [`could not put back as ${overwritten.length === 1 ? 'it was' : 'they were'}: ${overwritten.join(', ')}`] : []),
    ...(unsure.length ? [`may not have been put back: ${unsure.join(', ')}`] : []),
    ...(unknown ? [`${name(unknown)} may or may not have been written (the store did not answer)`] : []),
  ];
  return new CliFailure(`${why}; ${reverted ? `${reverted}, but ` : ''}${problems.join('; ')}: check ${overwritten.length + unsure.length + (unknown ? 1 : 0) === 1 ? 'it' : 'them'}`, 'PARTIAL');
}

/** Why a write failed, in one line (a conflict says who is to blame; the rest of the message says what happened). */
function failureText(err: unknown, c: Change): string {
  if (err instanceof ConflictError) {
    const now = err.actualVersion === undefined ? 'it is gone now' : `it is at version ${err.actualVersion} now`;
    const was = c.expectedVersion === 0 ? 'did not exist' : `was at version ${c.expectedVersion}`;
    return `conflict: ${name(c)} was changed by someone else meanwhile (it ${was} when read; ${now})`;
  }
  return `cannot ${c.action} ${name(c)}: ${oneLine(err)}`;
}

const name = (c: Change): string => `${c.kind} '${c.key}'`;
const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');

const conflict = (c: Change, actual: number | undefined): ConflictError => new ConflictError(NAMESPACE[c.kind] + c.key, c.expectedVersion, actual);
