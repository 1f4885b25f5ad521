// The CLI as an operator feels it: wall time of one `node dist/cli.cjs ...` process (start-up included), built into a
// temp dir like the tests do. Against Redis on 127.0.0.1:6379 (skipped otherwise) with 10 and 1,000 flags:
// `--help` (start-up only), `flags list --json`, `flags disable` (read every flag, validate against the set, CAS write),
// `flags import --dry-run` of the whole exported document. `--quick` for a short run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'tsup';
import { RedisStore } from '../src/store/redis.js';
import { encode } from '../src/flags/codec.js';
import { percentile, table } from './harness.js';
import { openBenchRedis } from './redis.js';

const quick = process.argv.includes('--quick');
const runs = quick ? 5 : 20;

const dir = mkdtempSync(join(tmpdir(), 'pd-cli-bench-'));
symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
await build({ config: false, entry: { cli: 'src/cli/main.ts' }, format: ['cjs'], outDir: join(dir, 'dist'), splitting: false, dts: false, silent: true, target: 'node20', platform: 'node', external: ['ioredis'] });
const cli = join(dir, 'dist', 'cli.cjs');

function time(args: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) out.push(ms); // the first run warms the file cache
  }
  return out;
}

const row = (name: string, ms: number[]): (string | number)[] => [name, percentile(ms, 50).toFixed(0), percentile(ms, 90).toFixed(0)];

const redis = await openBenchRedis('Redis rows skipped');

const rows: (string | number)[][] = [row('--help (start-up only)', time(['--help']))];
if (redis) {
  for (const n of [10, 1000]) {
    const prefix = `bench-cli:${process.pid}:${n}:`;
    const store = new RedisStore({ url: redis.url, prefix });
    await store.get('flags/none'); // connected before the burst of writes
    await Promise.all(Array.from({ length: n }, (_, i) => store.put(`flags/f${i}`, encode({ key: `f${i}`, enabled: true, fallthrough: { split: [{ variant: 'on', weight: 20 }, { variant: 'off', weight: 80 }] } }))));
    const g = ['--redis', redis.url, '--prefix', prefix];
    rows.push(row(`flags list --json (${n} flags)`, time([...g, 'flags', 'list', '--json'])));
    rows.push(row(`flags disable f0 (${n} flags; writes once, then no-op)`, time([...g, 'flags', 'disable', 'f0'])));
    const doc = spawnSync(process.execPath, [cli, ...g, 'flags', 'export'], { encoding: 'utf8' }).stdout;
    const file = join(dir, `doc-${n}.json`);
    writeFileSync(file, doc);
    rows.push(row(`flags import --dry-run (${n} flags)`, time([...g, 'flags', 'import', file, '--dry-run'])));
    await store.close();
    await redis.deleteKeys(prefix); // raw keys: the store's delete keeps a version tombstone
  }
  redis.close();
}
table(`CLI process wall time, ms over ${runs} runs (node ${process.version})`, ['command', 'p50', 'p90'], rows);
rmSync(dir, { recursive: true, force: true });
