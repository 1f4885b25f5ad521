// applyPlan (what `flags import`, `flags put` and `segments put` write with) against the real Redis: a write that
// fails part-way is undone, so the store ends as it was; an undo that would overwrite someone's edit is reported.
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/json.js';
import { applyPlan, planDocument } from '../../src/cli/plan.js';
import { loadState } from '../../src/cli/repo.js';
import { encode } from '../../src/flags/codec.js';
import { RedisStore } from '../../src/store/redis.js';
import { Redis } from 'ioredis';
import { deleteKeys, redisAvailable, redisBinaryAvailable, SHARED_REDIS_URL, spawnRedis, uniquePrefix } from '../helpers/redis.js';
import { until } from './helpers.js';

const available = await redisAvailable();
const prefixes: string[] = [];
const stores: RedisStore[] = [];

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const p of prefixes) await deleteKeys(p);
});

/**
 * A store seeded with segment `beta` and flags `checkout`, `old-a` and `old-z`, whose first write lets `meanwhile`
 * run a concurrent edit through a second client before it resolves (someone else writing during the import).
 */
async function seeded(meanwhile: (other: RedisStore) => Promise<void>, url = SHARED_REDIS_URL, commandTimeoutMs?: number) {
  const prefix = uniquePrefix('pd-cli-plan');
  if (url === SHARED_REDIS_URL) prefixes.push(prefix);
  const store = new RedisStore({ url, prefix, ...(commandTimeoutMs ? { commandTimeoutMs } : {}) });
  const other = new RedisStore({ url, prefix });
  stores.push(store, other);
  await store.put('segments/beta', encode({ key: 'beta', included: ['u1'] }));
  for (const key of ['checkout', 'old-a', 'old-z']) await store.put(`flags/${key}`, encode({ key, enabled: true }));
  const put = store.put.bind(store);
  let first = true;
  store.put = async (...args) => {
    const version = await put(...args);
    if (first) {
      first = false;
      await meanwhile(other);
    }
    return version;
  };
  return { store, other };
}

/** Every key with its value (versions grow with any write, the undo's too). */
const snapshot = async (store: RedisStore): Promise<Record<string, JsonValue>> => Object.fromEntries((await store.list('')).map((e) => [e.key, e.value]));

/** Updates segment beta and flag checkout, creates flag fresh, prunes old-a and old-z: five writes, deletes last. */
async function importPlan(store: RedisStore) {
  const doc = { segments: [{ key: 'beta', included: ['u1', 'u2'] }], flags: [{ key: 'checkout', enabled: false }, { key: 'fresh', enabled: true }] };
  const { changes, issues } = planDocument(doc, await loadState(store), { prune: true });
  expect(issues).toEqual([]);
  expect(changes.map((c) => `${c.action} ${c.kind} ${c.key}`)).toEqual(['update segment beta', 'update flag checkout', 'create flag fresh', 'delete flag old-a', 'delete flag old-z']);
  return changes;
}

const editOldZ = async (other: RedisStore): Promise<void> => {
  const cur = await other.get('flags/old-z');
  await other.put('flags/old-z', encode({ key: 'old-z', enabled: false, description: 'edited meanwhile' }), { expectedVersion: cur!.version });
};

describe.skipIf(!available)('applyPlan', () => {
  it('a conflict at the last write undoes the four before it: the store holds what it held, plus the other edit', async () => {
    const { store } = await seeded(editOldZ);
    const before = await snapshot(store);
    const changes = await importPlan(store);
    const err = await applyPlan(store, changes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'CONFLICT',
      message:
        "conflict: flag 'old-z' was changed by someone else meanwhile (it was at version 1 when read; it is at version 2 now); the 4 changes already written were undone, so nothing was changed: re-read the store and run the command again",
    });
    expect(await snapshot(store)).toEqual({ ...before, 'flags/old-z': encode({ key: 'old-z', enabled: false, description: 'edited meanwhile' }) });
    // the deleted old-a came back and the created fresh is gone
    expect(await store.get('flags/old-a')).toMatchObject({ value: before['flags/old-a'] });
    expect(await store.get('flags/fresh')).toBeUndefined();
  });

  it('an undo never overwrites an edit made to a key already written: it names that key', async () => {
    const { store } = await seeded(async (other) => {
      const beta = await other.get('segments/beta');
      await other.put('segments/beta', encode({ key: 'beta', included: ['someone'] }), { expectedVersion: beta!.version });
      await editOldZ(other);
    });
    const before = await snapshot(store);
    const err = await applyPlan(store, await importPlan(store)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'PARTIAL',
      message:
        "conflict: flag 'old-z' was changed by someone else meanwhile (it was at version 1 when read; it is at version 2 now); the 3 changes already written were undone, but could not put back as it was: segment 'beta' (changed by someone else meanwhile: it is at version 3 now): check it",
    });
    expect(await snapshot(store)).toEqual({
      ...before,
      'segments/beta': encode({ key: 'beta', included: ['someone'] }),
      'flags/old-z': encode({ key: 'old-z', enabled: false, description: 'edited meanwhile' }),
    });
  });
});

describe.skipIf(!redisBinaryAvailable())('applyPlan when the store stops answering', () => {
  it('says which changes may or may not be in the store, and a timed-out write did land later', async () => {
    // a private Redis: CLIENT PAUSE would stall every other test on the shared one
    const redis = await spawnRedis();
    const admin = new Redis(redis.url);
    try {
      // Redis holds every write (and what the same connection sends after it) for 3 s: each call times out at 200 ms
      const { store } = await seeded(async () => void (await admin.call('CLIENT', 'PAUSE', '3000', 'WRITE')), redis.url, 200);
      const err = (await applyPlan(store, await importPlan(store)).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code: string; message: string };
      expect(err.code).toBe('PARTIAL');
      expect(err.message).toMatch(
        /^cannot update flag 'checkout': .+; may not have been put back: segment 'beta' \(.+\); flag 'checkout' may or may not have been written \(the store did not answer\): check them$/,
      );
      // once Redis answers again, the write that timed out has landed: "may or may not" was the truth
      await until(async () => (await store.get('flags/checkout').catch(() => undefined))?.version === 2, 10_000);
      expect(await store.get('flags/checkout')).toMatchObject({ value: encode({ key: 'checkout', enabled: false }) });
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  }, 20_000);
});
