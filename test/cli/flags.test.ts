// The built CLI against the real Redis on 127.0.0.1:6379: flags and segments commands, --json, exit codes,
// import validation and --dry-run, compare-and-set conflicts, the read-only file store, colour rules.
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis.js';
import { redisAvailable, SHARED_REDIS_URL } from '../helpers/redis.js';
import { cliSuite, runCli } from './helpers.js';

const available = await redisAvailable();
const built = cliSuite(available);

/** A fresh prefix and a runner bound to it (global options after the command, as an operator types them). */
function fresh() {
  const prefix = built.prefix('pd-cli');
  const cli = (...args: string[]) => runCli(built.cli, [...args, '--redis', SHARED_REDIS_URL, `--prefix=${prefix}`]);
  const store = () => new RedisStore({ url: SHARED_REDIS_URL, prefix });
  return { prefix, cli, store };
}

const DOC = {
  flags: [
    { key: 'checkout', enabled: true, description: 'new checkout flow' },
    {
      key: 'banner',
      enabled: true,
      variants: { a: 'Hi', b: 'Hello' },
      offVariant: 'a',
      fallthrough: { variant: 'a' },
      rules: [{ id: 'beta', conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['beta'] }], serve: { variant: 'b' } }],
    },
  ],
  segments: [{ key: 'beta', included: ['u1', 'u2'] }],
  experiments: [{ key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], metrics: [{ key: 'buy', type: 'binomial' }] }],
};

async function seeded() {
  const f = fresh();
  const r = await f.cli('flags', 'import', built.file(`doc-${f.prefix}.json`, DOC));
  expect(r.code, r.stderr).toBe(0);
  return f;
}

type FlagJson = { key: string; version: number; definition: Record<string, unknown> };

describe.skipIf(!available)('flags', () => {
  it('import creates everything; list and get show it; --json parses', async () => {
    const { cli } = await seeded();
    const list = await cli('flags', 'list', '--json');
    expect(list.code).toBe(0);
    const flags = list.json<FlagJson[]>();
    expect(flags.map((f) => f.key)).toEqual(['banner', 'checkout']);
    expect(flags[1]!.definition).toEqual(DOC.flags[0]);
    const human = await cli('flags', 'list');
    expect(human.stdout).toMatch(/^KEY\s+ENABLED\s+SERVES\s+TARGETS\s+RULES\s+VERSION\s+DESCRIPTION$/m);
    expect(human.stdout).toMatch(/^checkout\s+on\s+on\s+0\s+0\s+1\s+new checkout flow$/m);
    const get = await cli('flags', 'get', 'banner', '--json');
    expect(get.json<FlagJson>()).toEqual({ key: 'banner', version: 1, definition: DOC.flags[1] });
    const getHuman = await cli('flags', 'get', 'banner');
    expect(getHuman.stdout).toMatch(/^rule 0 \(beta\)\s+userId inSegment \[beta\] → b$/m);
  });

  it('enable / disable flip the kill switch by compare-and-set and say when nothing changed', async () => {
    const { cli, store } = await seeded();
    const off = await cli('flags', 'disable', 'checkout', '--json');
    expect(off.code).toBe(0);
    expect(off.json()).toMatchObject({ key: 'checkout', changed: true, version: 2, definition: { enabled: false } });
    const again = await cli('flags', 'disable', 'checkout');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already disabled: nothing written (version 2)");
    expect((await cli('flags', 'enable', 'checkout')).stdout).toContain("flag 'checkout' enabled (version 2 → 3)");
    const s = store();
    expect((await s.get('flags/checkout'))?.version).toBe(3);
    await s.close();
  });

  it("set --percentage makes the fallthrough a split between 'on' and the off variant (100: on, 0: off)", async () => {
    const { cli } = await seeded();
    const def = async () => (await cli('flags', 'get', 'checkout', '--json')).json<FlagJson>().definition;
    expect((await cli('flags', 'set', 'checkout', '--percentage', '20')).code).toBe(0);
    expect((await def()).fallthrough).toEqual({ split: [{ variant: 'on', weight: 20 }, { variant: 'off', weight: 80 }] });
    await cli('flags', 'set', 'checkout', '--percentage=33.3');
    expect((await def()).fallthrough).toEqual({ split: [{ variant: 'on', weight: 33.3 }, { variant: 'off', weight: 66.7 }] });
    await cli('flags', 'set', 'checkout', '--percentage', '100');
    expect((await def()).fallthrough).toEqual({ variant: 'on' });
    await cli('flags', 'set', 'checkout', '--percentage', '0');
    expect((await def()).fallthrough).toEqual({ variant: 'off' });
    // a multi-variant flag: --variant picks the served one, the rest goes to offVariant 'a'
    await cli('flags', 'set', 'banner', '--percentage', '10', '--variant', 'b');
    expect((await cli('flags', 'get', 'banner', '--json')).json<FlagJson>().definition.fallthrough).toEqual({
      split: [{ variant: 'b', weight: 10 }, { variant: 'a', weight: 90 }],
    });
    const noOn = await cli('flags', 'set', 'banner', '--percentage', '10');
    expect(noOn.code).toBe(1);
    expect(noOn.stderr).toContain("flag 'banner' has no variant 'on'");
    for (const bad of ['101', '-1', 'abc', '1.2345']) {
      const r = await cli('flags', 'set', 'checkout', '--percentage', bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('--percentage');
    }
  });

  it('target adds users to one variant and takes them out of the others; --remove takes them out', async () => {
    const { cli } = await seeded();
    const def = async () => (await cli('flags', 'get', 'banner', '--json')).json<FlagJson>().definition;
    expect((await cli('flags', 'target', 'banner', 'b', 'u7', 'u8')).code).toBe(0);
    expect((await def()).targets).toEqual({ b: ['u7', 'u8'] });
    await cli('flags', 'target', 'banner', 'a', 'u8');
    expect((await def()).targets).toEqual({ b: ['u7'], a: ['u8'] });
    await cli('flags', 'target', 'banner', 'b', 'u7', '--remove');
    expect((await def()).targets).toEqual({ a: ['u8'] });
    const r = await cli('flags', 'target', 'banner', 'zzz', 'u1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no variant 'zzz'");
  });

  it('an unknown flag is exit 1 in one line with a hint, never a stack trace', async () => {
    const { cli } = await seeded();
    for (const args of [['get', 'chekout'], ['enable', 'chekout'], ['set', 'chekout', '--percentage', '5'], ['delete', 'chekout']]) {
      const r = await cli('flags', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim()).toBe("error: unknown flag 'chekout'; did you mean 'checkout'?");
      expect(r.stdout).toBe('');
    }
    const json = await cli('flags', 'get', 'nope', '--json');
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: "unknown flag 'nope'" } });
  });

  it('put takes one definition or an array, validates each against the store and writes nothing on any error', async () => {
    const { cli, store } = await seeded();
    const one = await cli('flags', 'put', built.file('one.json', { key: 'solo', enabled: true, tags: ['x'] }), '--json');
    expect(one.code, one.stderr).toBe(0);
    expect(one.json()).toMatchObject({ dryRun: false, summary: { create: 1, update: 0, delete: 0 } });
    const bad = await cli('flags', 'put', built.file('bad.json', [
      { key: 'fine', enabled: true },
      { key: 'broken', enabled: 'yes', prerequisites: [{ flag: 'missing', variant: 'on' }] },
    ]));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/flags\[1\]\.enabled/);
    const s = store();
    expect(await s.get('flags/fine')).toBeUndefined();
    // a flag may refer to a segment that exists only in the store
    const ok = await cli('flags', 'put', built.file('seg-ref.json', { key: 'uses-beta', enabled: true, rules: [{ conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['beta'] }], serve: { variant: 'on' } }] }));
    expect(ok.code, ok.stderr).toBe(0);
    const single = await cli('flags', 'put', built.file('bad1.json', { key: 'x', enabled: true, fallthrough: { variant: 'nope' } }));
    expect(single.code).toBe(1);
    expect(single.stderr).toContain('fallthrough');
    expect(await s.get('flags/x')).toBeUndefined();
    await s.close();
  });

  it('delete removes a flag with compare-and-set and refuses while another flag requires it', async () => {
    const { cli } = await seeded();
    await cli('flags', 'put', built.file('dep.json', { key: 'child', enabled: true, prerequisites: [{ flag: 'checkout', variant: 'on' }] }));
    const refused = await cli('flags', 'delete', 'checkout');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("'checkout' is a prerequisite of 'child'");
    expect((await cli('flags', 'delete', 'child', '--json')).json()).toEqual({ key: 'child', deleted: true, version: 1 });
    expect((await cli('flags', 'delete', 'checkout')).code).toBe(0);
    expect((await cli('flags', 'list', '--json')).json<FlagJson[]>().map((f) => f.key)).toEqual(['banner']);
  });

  it('export writes the document format and import of it changes nothing', async () => {
    const { cli } = await seeded();
    const exp = await cli('flags', 'export');
    expect(exp.code).toBe(0);
    const doc = exp.json<typeof DOC>();
    expect(doc.flags.map((f) => f.key)).toEqual(['banner', 'checkout']);
    expect(doc.segments).toEqual(DOC.segments);
    expect(doc.experiments).toEqual(DOC.experiments);
    const again = await cli('flags', 'import', built.file('exported.json', doc), '--json');
    expect(again.json()).toEqual({ dryRun: false, changes: [], summary: { create: 0, update: 0, delete: 0 } });
    // and it is what a FileStore reads
    const viaFile = await runCli(built.cli, ['--file', built.file('exported2.json', doc), 'flags', 'list', '--json']);
    expect(viaFile.json<FlagJson[]>().map((f) => f.definition)).toEqual(doc.flags);
  });

  it('import --dry-run prints the diff and writes nothing; --prune deletes what the document does not list', async () => {
    const { cli, store } = await seeded();
    const changed = structuredClone(DOC) as unknown as { flags: Record<string, unknown>[]; segments: unknown[]; experiments: unknown[] };
    changed.flags[0] = { ...changed.flags[0], enabled: false };
    changed.flags.push({ key: 'fresh', enabled: true });
    const file = built.file('changed.json', changed);
    const dry = await cli('flags', 'import', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("+ would create flag 'fresh'");
    expect(dry.stdout).toContain("~ would update flag 'checkout'");
    expect(dry.stdout).toContain('    enabled: true → false');
    expect(dry.stdout).toContain('1 to create, 1 to update, 0 to delete; nothing written (--dry-run)');
    const s = store();
    const before = await s.list('');
    const dryJson = await cli('flags', 'import', file, '--dry-run', '--json');
    expect(dryJson.json()).toMatchObject({ dryRun: true, changes: [{ kind: 'flag', key: 'checkout', action: 'update', diffs: [{ path: 'enabled', before: true, after: false }] }, { kind: 'flag', key: 'fresh', action: 'create' }] });
    expect(await s.list('')).toEqual(before);
    const pruned = await cli('flags', 'import', built.file('only-banner.json', { flags: [DOC.flags[1]], segments: DOC.segments }), '--prune', '--json');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.json<{ changes: { key: string; action: string }[] }>().changes).toEqual([expect.objectContaining({ key: 'checkout', action: 'delete' })]);
    expect((await s.list('experiments/')).length).toBe(1); // a section the document does not hold is left alone
    await s.close();
  });

  it('import with one invalid definition writes nothing and lists every problem with its path', async () => {
    const { cli, store } = await seeded();
    const s = store();
    const before = await s.list('');
    const doc = {
      flags: [{ key: 'new-one', enabled: true }, { key: 'bad one', enabled: true }, { key: 'checkout', enabled: false, rules: [{ conditions: [{ attribute: 'x', operator: 'inSegment', values: ['ghost'] }], serve: { variant: 'on' } }] }],
      segments: [],
    };
    const r = await cli('flags', 'import', built.file('invalid.json', doc));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing was imported');
    expect(r.stderr).toMatch(/flags\[1\]\.key/);
    expect(r.stderr).toMatch(/flags\[2\]\.rules\[0\]\.conditions\[0\]\.values\[0\]: segment 'ghost' does not exist/);
    const json = await cli('flags', 'import', built.file('invalid.json', doc), '--json');
    expect(JSON.parse(json.stderr).error.issues.length).toBeGreaterThanOrEqual(2);
    expect(await s.list('')).toEqual(before);
    // pruning a segment a stored flag still uses is caught too, at the stored flag's path
    const r2 = await cli('flags', 'import', built.file('drop-seg.json', { segments: [] }), '--prune');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("(stored) flags/banner.rules[0].conditions[0].values[0]: segment 'beta' does not exist");
    expect(await s.list('')).toEqual(before);
    await s.close();
  });

  it('a concurrent edit is reported as a conflict (exit 1) and never overwritten', async () => {
    const { cli, store } = await seeded();
    const seen = (await cli('flags', 'get', 'checkout', '--json')).json<FlagJson>();
    // someone else edits the flag after we read it
    const other = store();
    const cur = await other.get('flags/checkout');
    await other.put('flags/checkout', { schemaVersion: 1, definition: { key: 'checkout', enabled: true, description: 'edited elsewhere' } }, { expectedVersion: cur!.version });
    for (const args of [['disable', 'checkout'], ['set', 'checkout', '--percentage', '5'], ['target', 'checkout', 'on', 'u1'], ['delete', 'checkout']]) {
      const r = await cli('flags', ...args, '--if-version', String(seen.version));
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error: conflict: flag 'checkout' is at version 2, not 1/);
    }
    const put = await cli('flags', 'put', built.file('put-stale.json', { key: 'checkout', enabled: false }), '--if-version', '1');
    expect(put.code).toBe(1);
    expect(put.stderr).toContain('conflict');
    expect((await other.get('flags/checkout'))?.value).toEqual({ schemaVersion: 1, definition: { key: 'checkout', enabled: true, description: 'edited elsewhere' } });
    await other.close();
  });

  it('racing edits from several processes: each either lands or reports a conflict; no edit is lost', async () => {
    const { cli } = await seeded();
    const users = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const results = await Promise.all(users.map((u) => cli('flags', 'target', 'checkout', 'on', u)));
    const landed = users.filter((_, i) => results[i]!.code === 0);
    results.forEach((r) => {
      expect([0, 1]).toContain(r.code);
      if (r.code === 1) expect(r.stderr).toContain('conflict');
    });
    const def = (await cli('flags', 'get', 'checkout', '--json')).json<FlagJson>().definition as { targets?: { on?: string[] } };
    expect([...(def.targets?.on ?? [])].sort()).toEqual(landed.sort());
    expect(landed.length).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!available)('segments', () => {
  it('list, get, put (one or an array) and delete, refused while a flag uses it', async () => {
    const { cli } = await seeded();
    const list = await cli('segments', 'list', '--json');
    expect(list.json()).toEqual([{ key: 'beta', version: 1, usedBy: ['banner'], definition: DOC.segments[0] }]);
    expect((await cli('segments', 'list')).stdout).toMatch(/^beta\s+2\s+0\s+0\s+1\s+banner$/m);
    expect((await cli('segments', 'get', 'beta', '--json')).json()).toEqual({ key: 'beta', version: 1, definition: DOC.segments[0] });
    const put = await cli('segments', 'put', built.file('segs.json', [{ key: 'staff', rules: [{ conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@example.com'] }] }] }, { key: 'beta', included: ['u1'] }]));
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toContain("+ create segment 'staff'");
    expect(put.stdout).toContain("~ update segment 'beta'");
    const bad = await cli('segments', 'put', built.file('badseg.json', { key: 'bad', included: 'u1' }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('included');
    const refused = await cli('segments', 'delete', 'beta');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("segment 'beta' is used by 'banner'");
    expect((await cli('segments', 'delete', 'staff')).code).toBe(0);
    expect((await cli('segments', 'get', 'staff')).code).toBe(1);
  });
});

describe('usage, store selection and output', () => {
  it('usage mistakes exit 2', async () => {
    for (const args of [[], ['flags'], ['flags', 'nope'], ['flags', 'get'], ['flags', 'list', '--bogus'], ['flags', 'set', 'x'], ['flags', 'list'], ['--redis', 'http://x', 'flags', 'list'], ['--file', 'a.json', '--redis', SHARED_REDIS_URL, 'flags', 'list'], ['watch', '--for', 'soon', '--redis', SHARED_REDIS_URL]]) {
      const r = await runCli(built.cli, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('--help works for every command and exits 0', async () => {
    const paths = [[], ['flags'], ['segments'], ['experiments'], ['rollouts'], ['watch']];
    for (const g of ['list', 'get', 'enable', 'disable', 'set', 'target', 'put', 'delete', 'export', 'import']) paths.push(['flags', g]);
    for (const g of ['list', 'get', 'put', 'delete']) paths.push(['segments', g]);
    for (const g of ['list', 'get', 'results']) paths.push(['experiments', g]);
    for (const g of ['list', 'status', 'promote', 'abort', 'pause', 'resume']) paths.push(['rollouts', g]);
    const results = await Promise.all(paths.map((p) => runCli(built.cli, [...p, '--help'])));
    results.forEach((r, i) => {
      expect(r.code, paths[i]!.join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: progressive-delivery ${paths[i]!.join(' ')}`.trim());
    });
  });

  it('an unreachable Redis is exit 1 within a couple of seconds, in one line', async () => {
    // runCli rejects if the process has not exited by then
    const r = await runCli(built.cli, ['flags', 'list', '--redis', 'redis://127.0.0.1:1', '--timeout', '800ms'], { timeoutMs: 8000 });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: /);
    // PD_REDIS_URL is the default store, and a password never shows
    const env = await runCli(built.cli, ['rollouts', 'list'], { env: { PD_REDIS_URL: 'redis://:s3cret@127.0.0.1:1' } });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('redis://:***@127.0.0.1:1');
    expect(env.stderr).not.toContain('s3cret');
  });

  it('--file is a read-only store: reads work, writes fail in one line', async () => {
    const file = built.file('flags-as-code.json', DOC);
    const list = await runCli(built.cli, ['--file', file, 'flags', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.json<FlagJson[]>().map((f) => f.key)).toEqual(['banner', 'checkout']);
    for (const args of [['flags', 'disable', 'checkout'], ['flags', 'import', file, '--prune'], ['segments', 'delete', 'beta']]) {
      const r = await runCli(built.cli, ['--file', file, ...args]);
      if (args[1] === 'import') {
        expect(r.code).toBe(0); // the store already matches: nothing to write
        continue;
      }
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const w = await runCli(built.cli, ['--file', file, 'flags', 'disable', 'checkout']);
    expect(w.stderr.trim()).toBe(`error: the file store ${file} is read-only: edit the file instead (or point --redis at a writable store)`);
    const missing = await runCli(built.cli, ['--file', `${file}.missing`, 'flags', 'list']);
    expect(missing.code).toBe(1);
  });

  it('no escape codes without a TTY or with NO_COLOR; FORCE_COLOR colours unless NO_COLOR is set', async () => {
    const file = built.file('colour.json', DOC);
    // eslint-disable-next-line no-control-regex
    const esc = /\x1b\[/;
    const plain = await runCli(built.cli, ['--file', file, 'flags', 'list']);
    expect(plain.stdout).not.toMatch(esc);
    const forced = await runCli(built.cli, ['--file', file, 'flags', 'list'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(esc);
    const noColor = await runCli(built.cli, ['--file', file, 'flags', 'list'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(noColor.stdout).not.toMatch(esc);
    expect(noColor.stdout).toBe(plain.stdout);
    const flag = await runCli(built.cli, ['--file', file, 'flags', 'list', '--no-color'], { env: { FORCE_COLOR: '1' } });
    expect(flag.stdout).not.toMatch(esc);
    const err = await runCli(built.cli, ['--file', file, 'flags', 'get', 'nope'], { env: { NO_COLOR: '1' } });
    expect(err.stderr).not.toMatch(esc);
  });
});
