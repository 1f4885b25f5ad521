import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { DeliveryError, ValidationError } from '../../src/core/errors.js';
import { createDelivery } from '../../src/delivery.js';
import { FileStore } from '../../src/store/file.js';
import type { StoreChange } from '../../src/store/types.js';
import { describeStoreContract } from '../../src/testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-filestore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const stores: FileStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const flagA = { key: 'checkout', enabled: true };
const flagB = { key: 'banner', enabled: false, description: 'old banner' };
const segment = { key: 'beta', included: ['u1'] };
const experiment = { key: 'price-test', variants: [{ key: 'control', weight: 50 }, { key: 'cheap', weight: 50 }] };
const doc = { flags: [flagA, flagB], segments: [segment], experiments: [experiment] };

function writeDoc(path: string, content: unknown): void {
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}
function newFile(content: unknown = doc): string {
  const path = join(dir, `flags-${++n}.json`);
  writeDoc(path, content);
  return path;
}
function open(path: string, opts: { clock?: ReturnType<typeof createManualClock>; fsWatch?: boolean; pollIntervalMs?: number } = {}): FileStore {
  const s = new FileStore({ path, fsWatch: opts.fsWatch ?? false, clock: opts.clock, pollIntervalMs: opts.pollIntervalMs });
  stores.push(s);
  return s;
}

describe('FileStore', () => {
  it('serves flags, segments (in the flags module stored format) and experiments under their namespaces', async () => {
    const s = open(newFile());
    expect((await s.list('')).map((e) => e.key)).toEqual(['experiments/price-test', 'flags/banner', 'flags/checkout', 'segments/beta']);
    expect((await s.get('flags/checkout'))?.value).toEqual({ schemaVersion: 1, definition: flagA });
    expect((await s.get('segments/beta'))?.value).toEqual({ schemaVersion: 1, definition: segment });
    expect((await s.get('experiments/price-test'))?.value).toEqual(experiment);
    expect((await s.get('flags/checkout'))?.version).toBe(1);
  });

  it('rejects writes to the file namespaces with READ_ONLY, naming the file; keeps run-time state in memory', async () => {
    const path = newFile();
    const s = open(path);
    for (const call of [() => s.put('flags/checkout', {}), () => s.delete('flags/banner'), () => s.setIfAbsent('segments/x', 1), () => s.put('experiments/new', {})]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeliveryError);
      expect((err as DeliveryError).code).toBe('READ_ONLY');
      expect((err as DeliveryError).message).toContain(path);
    }
    expect(await s.put('rollouts/canary', { weight: 10 })).toBe(1);
    expect(await s.setIfAbsent('exposures/e/u1', 'a')).toBe(true);
    expect(await s.increment('metrics/x', 'n', 2)).toBe(2);
    expect(await s.acquireLease('leases/leader', 'me', 1000)).toBe(true);
    expect((await s.list('rollouts/')).map((e) => e.key)).toEqual(['rollouts/canary']);
  });

  it('reloads on change through the poll and emits only what differs (added, changed, removed), with growing versions', async () => {
    const clock = createManualClock();
    const path = newFile();
    const s = open(path, { clock, pollIntervalMs: 500 });
    const seen: StoreChange[] = [];
    const reloads: string[][] = [];
    s.watch('flags/', (c) => seen.push(c));
    s.watch('segments/', (c) => seen.push(c));
    s.on('reload', (keys) => reloads.push(keys));
    writeDoc(path, { flags: [{ ...flagA }, { ...flagB, enabled: true }, { key: 'new-one', enabled: true }], segments: [], experiments: [experiment] });
    await clock.advanceAsync(499);
    expect(seen).toEqual([]);
    await clock.advanceAsync(1);
    await s.reload(); // the poll's read may still be in flight: join it
    expect(seen.map((c) => `${c.deleted ? '-' : ''}${c.key}@${c.version}`)).toEqual(['flags/banner@2', 'flags/new-one@1', '-segments/beta@2']);
    expect(reloads).toEqual([['flags/banner', 'flags/new-one', 'segments/beta']]);
    expect((await s.get('flags/checkout'))?.version).toBe(1);
    expect(await s.get('segments/beta')).toBeUndefined();
    // re-adding a removed key continues its version
    writeDoc(path, doc);
    expect(await s.reload()).toBe(true);
    expect((await s.get('segments/beta'))?.version).toBe(3);
    // the same text again is no change
    expect(await s.reload()).toBe(false);
  });

  it('a file that fails to parse is reported with line and column; the last good content keeps serving', async () => {
    const path = newFile();
    const s = open(path);
    const errors: DeliveryError[] = [];
    s.on('error', (e) => errors.push(e));
    writeDoc(path, '{\n  "flags": [\n    { "key": "checkout", "enabled": true },\n  ]\n}');
    expect(await s.reload()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ValidationError);
    expect(errors[0]!.message).toMatch(/line 4, column 3/);
    expect(errors[0]!.message).toContain('trailing comma');
    expect((await s.get('flags/banner'))?.value).toEqual({ schemaVersion: 1, definition: flagB });
    expect(await s.reload()).toBe(false); // the same bad text is reported once
    expect(errors).toHaveLength(1);
    writeDoc(path, { flags: [flagA] });
    expect(await s.reload()).toBe(true);
    expect(await s.get('flags/banner')).toBeUndefined();
  });

  it('a file that fails validation is reported with every issue and its path; nothing of it is served', async () => {
    const path = newFile();
    const s = open(path);
    const errors: DeliveryError[] = [];
    s.on('error', (e) => errors.push(e));
    writeDoc(path, { flags: [flagA, { key: 'bad key!', enabled: 'yes' }], experiments: [{ key: 'x', variants: [] }, experiment, experiment], extra: 1 });
    expect(await s.reload()).toBe(false);
    const issues = (errors[0] as ValidationError).issues.map((i) => i.path);
    expect(issues).toContain('extra');
    expect(issues.some((p) => p.startsWith('flags[1]'))).toBe(true);
    expect(issues.some((p) => p.startsWith('experiments[0]'))).toBe(true);
    expect(issues).toContain('experiments[2].key');
    expect((await s.list('flags/')).map((e) => e.key)).toEqual(['flags/banner', 'flags/checkout']);
  });

  it('fails fast at construction on a missing or invalid file', () => {
    expect(() => new FileStore({ path: join(dir, 'missing.json') })).toThrow(/cannot read/);
    const err = (() => {
      try {
        new FileStore({ path: newFile('{"flags": [}') });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/line 1, column 12/);
    expect(() => new FileStore({ path: '', pollIntervalMs: -1 })).toThrow(ValidationError);
  });

  it('reacts to a file replaced by rename through fs.watch, without the poll', async () => {
    const path = newFile();
    const s = open(path, { fsWatch: true, pollIntervalMs: 0 });
    const reloaded = new Promise<string[]>((resolve) => s.on('reload', resolve));
    const tmp = `${path}.tmp`;
    writeDoc(tmp, { flags: [flagA] });
    renameSync(tmp, path);
    expect(await reloaded).toEqual(['experiments/price-test', 'flags/banner', 'segments/beta']);
  });

  it('close() stops the poll timer and the file watch', async () => {
    const clock = createManualClock();
    const s = open(newFile(), { clock, fsWatch: true });
    expect(clock.pending()).toBe(1);
    await s.close();
    expect(clock.pending()).toBe(0);
    await expect(s.get('flags/checkout')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });

  it('a delivery runs on it: flags from the file, edits picked up on reload', async () => {
    const path = newFile({ flags: [{ key: 'dark-mode', enabled: true }] });
    const s = open(path);
    const delivery = createDelivery({ store: s });
    await delivery.ready();
    expect(delivery.flags.isEnabled('dark-mode', { userId: 'u1' })).toBe(true);
    writeDoc(path, { flags: [{ key: 'dark-mode', enabled: false }] });
    await s.reload();
    expect(delivery.flags.isEnabled('dark-mode', { userId: 'u1' })).toBe(false);
    await delivery.close();
  });
});

const contractClock = createManualClock(1_000_000);
describeStoreContract('FileStore (read part: the file content)', () => open(newFile(), { clock: contractClock }), {
  readOnly: {
    entries: {
      'flags/checkout': { schemaVersion: 1, definition: flagA },
      'flags/banner': { schemaVersion: 1, definition: flagB },
      'segments/beta': { schemaVersion: 1, definition: segment },
      'experiments/price-test': experiment,
    },
  },
});
describeStoreContract('FileStore (run-time keys, kept in memory)', () => open(newFile(), { clock: contractClock }), {
  advance: (ms) => contractClock.advance(ms),
});
