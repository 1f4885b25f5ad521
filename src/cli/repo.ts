// What the CLI reads and writes: flags, segments and experiments straight from the store, each with its version,
// and single writes that go through the library's validation and compare-and-set. No Delivery is started: the CLI
// holds only a Store, like any operator's tool.
import { NS } from '../core/context.js';
import { ConflictError, DeliveryError, ValidationError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { ExperimentDefinition } from '../experiments/types.js';
import { validateExperiment } from '../experiments/validate.js';
import { decode, encode } from '../flags/codec.js';
import { hint } from '../flags/did-you-mean.js';
import type { FlagDefinition, SegmentDefinition } from '../flags/types.js';
import { crossFlagIssues, dependentIssues, validateFlag } from '../flags/validate.js';
import type { Store } from '../store/types.js';
import { CliFailure } from './errors.js';

export type Kind = 'flag' | 'segment' | 'experiment';

export const NAMESPACE: Record<Kind, string> = { flag: NS.flags, segment: NS.segments, experiment: NS.experiments };

/** A stored definition and the version it was read at (the compare-and-set token). */
export interface Stored<T> {
  def: T;
  version: number;
}

/** An entry that could not be read as a definition (written by a newer library, or by hand). */
export interface Unreadable {
  kind: Kind;
  key: string;
  reason: string;
}

/** Everything the document format holds, as stored now. */
export interface StoreState {
  flags: Map<string, Stored<FlagDefinition>>;
  segments: Map<string, Stored<SegmentDefinition>>;
  experiments: Map<string, Stored<ExperimentDefinition>>;
  unreadable: Unreadable[];
}

/** The stored value of a definition of `kind` (flags and segments are wrapped with their schema version). */
export function storedValue(kind: Kind, def: FlagDefinition | SegmentDefinition | ExperimentDefinition): JsonValue {
  return kind === 'experiment' ? (def as unknown as JsonValue) : encode(def as FlagDefinition);
}

function read<T>(kind: Kind, key: string, value: JsonValue): { ok: true; def: T } | { ok: false; reason: string } {
  if (kind === 'experiment') {
    const issues = validateExperiment(value);
    if (issues.length) return { ok: false, reason: issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
    if ((value as { key?: unknown }).key !== key) return { ok: false, reason: `its key is not '${key}'` };
    return { ok: true, def: value as unknown as T };
  }
  const d = decode<FlagDefinition>(value);
  if (!d.ok) return d;
  if (d.definition.key !== key) return { ok: false, reason: `its key is not '${key}'` };
  return { ok: true, def: d.definition as unknown as T };
}

async function listKind<T>(store: Store, kind: Kind, unreadable: Unreadable[]): Promise<Map<string, Stored<T>>> {
  const out = new Map<string, Stored<T>>();
  for (const e of await store.list(NAMESPACE[kind])) {
    const key = e.key.slice(NAMESPACE[kind].length);
    const r = read<T>(kind, key, e.value);
    if (r.ok) out.set(key, { def: r.def, version: e.version });
    else unreadable.push({ kind, key, reason: r.reason });
  }
  return out;
}

/** Reads every flag, segment and experiment with its version. */
export async function loadState(store: Store, kinds: readonly Kind[] = ['flag', 'segment', 'experiment']): Promise<StoreState> {
  const unreadable: Unreadable[] = [];
  const [flags, segments, experiments] = await Promise.all([
    kinds.includes('flag') ? listKind<FlagDefinition>(store, 'flag', unreadable) : new Map<string, Stored<FlagDefinition>>(),
    kinds.includes('segment') ? listKind<SegmentDefinition>(store, 'segment', unreadable) : new Map<string, Stored<SegmentDefinition>>(),
    kinds.includes('experiment') ? listKind<ExperimentDefinition>(store, 'experiment', unreadable) : new Map<string, Stored<ExperimentDefinition>>(),
  ]);
  return { flags, segments, experiments, unreadable };
}

/** Reads one definition; a CliFailure 'NOT_FOUND' (with a did-you-mean hint) when there is none. */
export async function getOne<T>(store: Store, kind: Kind, key: string): Promise<Stored<T>> {
  const v = await store.get(NAMESPACE[kind] + key);
  if (v) {
    const r = read<T>(kind, key, v.value);
    if (!r.ok) throw new CliFailure(`the stored ${kind} '${key}' cannot be read: ${r.reason}`, 'UNREADABLE');
    return { def: r.def, version: v.version };
  }
  const known = (await store.list(NAMESPACE[kind])).map((e) => e.key.slice(NAMESPACE[kind].length));
  throw new CliFailure(`unknown ${kind} '${key}'${hint(key, known)}`, 'NOT_FOUND');
}

/** Problems of a new version of one flag against the stored flags and segments (what `flags.put` checks). */
export function flagIssues(def: unknown, state: StoreState): ReturnType<typeof validateFlag> {
  const issues = validateFlag(def);
  if (issues.length) return issues;
  const d = def as FlagDefinition;
  const flags = new Map([...state.flags].map(([k, e]) => [k, e.def]));
  flags.set(d.key, d);
  return [...crossFlagIssues([d], flags, new Set(state.segments.keys()), () => ''), ...dependentIssues(d, flags)];
}

/**
 * Writes a definition if its stored version is still `expectedVersion` (0: must not exist). A concurrent edit is a
 * CliFailure 'CONFLICT' and nothing is written.
 */
export async function writeIfUnchanged(store: Store, kind: Kind, key: string, value: JsonValue, expectedVersion: number): Promise<number> {
  try {
    return await store.put(NAMESPACE[kind] + key, value, { expectedVersion });
  } catch (err) {
    throw conflictOr(err, kind, key, expectedVersion);
  }
}

/** Deletes a definition if its stored version is still `expectedVersion`. */
export async function deleteIfUnchanged(store: Store, kind: Kind, key: string, expectedVersion: number): Promise<boolean> {
  try {
    return await store.delete(NAMESPACE[kind] + key, { expectedVersion });
  } catch (err) {
    throw conflictOr(err, kind, key, expectedVersion);
  }
}

/** A ConflictError as the CLI reports it; anything else unchanged. */
export function conflictOr(err: unknown, kind: Kind, key: string, expectedVersion: number): unknown {
  if (!(err instanceof ConflictError)) return err;
  const now = err.actualVersion === undefined ? 'it is gone now' : `it is at version ${err.actualVersion} now`;
  const was = expectedVersion === 0 ? 'did not exist' : `was at version ${expectedVersion}`;
  return new CliFailure(`conflict: ${kind} '${key}' was changed by someone else (it ${was} when read; ${now}); nothing was written: re-read it and run the command again`, 'CONFLICT');
}

/**
 * Read-modify-write of one flag with compare-and-set: reads it (and, for validation, every flag and segment),
 * applies `change`, validates the result as `flags.put` does and writes it only if nobody wrote the flag in between.
 * `ifVersion` also requires the version the caller saw. Resolves whether anything changed.
 */
export async function editFlag(
  store: Store,
  key: string,
  change: (def: FlagDefinition) => FlagDefinition,
  ifVersion?: number,
): Promise<{ before: Stored<FlagDefinition>; after: Stored<FlagDefinition>; changed: boolean }> {
  const state = await loadState(store, ['flag', 'segment']);
  const cur = state.flags.get(key) ?? (await getOne<FlagDefinition>(store, 'flag', key));
  if (ifVersion !== undefined && cur.version !== ifVersion) {
    throw new CliFailure(`conflict: flag '${key}' is at version ${cur.version}, not ${ifVersion} (--if-version): someone changed it since you read it; nothing was written`, 'CONFLICT');
  }
  const next = change(structuredClone(cur.def));
  if (JSON.stringify(next) === JSON.stringify(cur.def)) return { before: cur, after: cur, changed: false };
  const issues = flagIssues(next, state);
  if (issues.length) throw new ValidationError(issues, { subject: `flag '${key}'` });
  const version = await writeIfUnchanged(store, 'flag', key, storedValue('flag', next), cur.version);
  return { before: cur, after: { def: next, version }, changed: true };
}

/** A DeliveryError code check that also works across bundles. */
export const isCode = (err: unknown, code: string): boolean => err instanceof DeliveryError && err.code === code;
