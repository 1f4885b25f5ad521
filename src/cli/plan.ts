// Importing a document (or `put`ting definitions): validate the result as a whole, compute what changes, then
// write with compare-and-set. Nothing is written when any definition is invalid.
import { documentEntries, validateDocument, type DeliveryDocument } from '../store/document.js';
import { ConflictError, type ValidationIssue } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { FlagDefinition } from '../flags/types.js';
import type { Store } from '../store/types.js';
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

/**
 * Writes the changes in order, each with compare-and-set against the version it was planned from. First checks
 * every planned version again (a concurrent edit found there writes nothing); a conflict found later stops at that
 * change and says which changes were applied.
 */
export async function applyPlan(store: Store, changes: readonly Change[]): Promise<void> {
  for (const c of changes) {
    const now = await store.get(NAMESPACE[c.kind] + c.key);
    if ((now?.version ?? 0) !== c.expectedVersion) throw conflictOr(conflict(c, now?.version), c.kind, c.key, c.expectedVersion);
  }
  const applied: Change[] = [];
  for (const c of changes) {
    try {
      if (c.action === 'delete') await store.delete(NAMESPACE[c.kind] + c.key, { expectedVersion: c.expectedVersion });
      else await store.put(NAMESPACE[c.kind] + c.key, c.value!, { expectedVersion: c.expectedVersion });
      applied.push(c);
    } catch (err) {
      const e = conflictOr(err, c.kind, c.key, c.expectedVersion);
      if (!applied.length) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new CliFailure(
        `${msg}; ${applied.length} of ${changes.length} changes were applied before it (${applied.map((a) => `${a.action} ${a.kind} '${a.key}'`).join(', ')}), the rest were not`,
        e instanceof CliFailure ? e.code : 'PARTIAL',
      );
    }
  }
}

const conflict = (c: Change, actual: number | undefined): ConflictError => new ConflictError(NAMESPACE[c.kind] + c.key, c.expectedVersion, actual);
