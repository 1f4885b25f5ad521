// Rollout state in the store: one document per rollout under NS.rollouts + name, written only with
// compare-and-set, so a step is applied exactly once even when two processes believe they lead.
import { NS } from '../core/context.js';
import { ConflictError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { parseDoc, toJson, type RolloutStateDoc } from './state-doc.js';

/** The store key of a rollout's state. */
export const stateKey = (name: string): string => `${NS.rollouts}${name}`;

/** A state document with the store version it was read at (the CAS token). */
export interface VersionedDoc {
  doc: RolloutStateDoc;
  version: number;
}

/** Reads a rollout's state; undefined when there is none (or the stored value is not a state document). */
export async function readState(store: Store, name: string): Promise<VersionedDoc | undefined> {
  const v = await store.get(stateKey(name));
  const doc = v && parseDoc(v.value);
  return doc && v ? { doc, version: v.version } : undefined;
}

/** Writes `doc` if the stored version is still `expectedVersion` (0: must not exist); resolves with the new version. */
export function writeState(store: Store, doc: RolloutStateDoc, expectedVersion: number): Promise<number> {
  return store.put(stateKey(doc.name), toJson(doc), { expectedVersion });
}

/**
 * Applies `change` to the current state with compare-and-set, re-reading and retrying on conflict (up to `attempts`).
 * `change` returns the new document, or undefined to write nothing. Resolves with what was written (or read).
 */
export async function updateState(
  store: Store,
  name: string,
  change: (current: VersionedDoc | undefined) => RolloutStateDoc | undefined,
  attempts = 8,
): Promise<VersionedDoc | undefined> {
  for (let i = 0; ; i++) {
    const current = await readState(store, name);
    const next = change(current);
    if (!next) return current;
    try {
      const version = await writeState(store, next, current?.version ?? 0);
      return { doc: next, version };
    } catch (err) {
      if (!(err instanceof ConflictError) || i + 1 >= attempts) throw err;
    }
  }
}

/** A rollout's state as the CLI and admin views list it. */
export interface RolloutStateEntry extends RolloutStateDoc {
  /** The store version (grows with every write). */
  version: number;
}

/**
 * Every rollout state in `store`, sorted by name: for the CLI and the admin dashboard, which hold only a Store.
 * @example for (const r of await listRolloutStates(store)) console.log(r.name, r.phase, r.weight);
 */
export async function listRolloutStates(store: Store): Promise<RolloutStateEntry[]> {
  const out: RolloutStateEntry[] = [];
  for (const e of await store.list(NS.rollouts)) {
    const doc = parseDoc(e.value);
    if (doc) out.push({ ...doc, version: e.version });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
