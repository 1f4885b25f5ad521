import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisAvailable, SHARED_REDIS_URL } from '../helpers/redis.js';
import { runExample, runExampleOk } from './run-example.js';

// `npx tsx examples/redis-fleet.ts`: three forked processes on the shared Redis run one canary. Real processes, real
// Redis, wall-clock time (a 1 s analysis interval).
const available = await redisAvailable();

interface TableRow {
  worker: number;
  leader: boolean;
  writes: number;
  weights: string;
  phase: string;
}

function tableRows(out: string): TableRow[] {
  const rows: TableRow[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+)\s+\d+\s+(yes|no)\s+(\d+)\s+(\d+(?: -> \d+)*)\s+\d+ \/ \d+\s+(\w+)\s*$/.exec(line);
    if (m) rows.push({ worker: Number(m[1]), leader: m[2] === 'yes', writes: Number(m[3]), weights: m[4]!, phase: m[5]! });
  }
  return rows;
}

describe.skipIf(!available)('examples/redis-fleet.ts', () => {
  it('one leader runs the canary, all three processes route with the same weights, it is promoted, and the keys are removed', async () => {
    const out = await runExampleOk('examples/redis-fleet.ts', { REDIS_URL: SHARED_REDIS_URL });

    // the per-process table: exactly one leader, which alone wrote the analysis steps; the same weights everywhere
    const rows = tableRows(out);
    expect(rows.map((x) => x.worker).sort()).toEqual([1, 2, 3]);
    const leaders = rows.filter((x) => x.leader);
    expect(leaders).toHaveLength(1);
    expect(leaders[0]!.writes).toBeGreaterThanOrEqual(4); // 10, 25, 50, then 100 (Promoting and Succeeded)
    for (const x of rows.filter((y) => !y.leader)) expect(x.writes).toBe(0);
    for (const x of rows) {
      expect(x.weights).toBe('10 -> 25 -> 50 -> 100');
      expect(x.phase).toBe('Succeeded');
    }

    // the live lines agree: every worker reported each weight once, in order
    for (const w of [1, 2, 3]) {
      const seen = [...out.matchAll(new RegExp(`worker ${w} routes at weight\\s+(\\d+)%`, 'g'))].map((m) => Number(m[1]));
      expect(seen).toEqual([10, 25, 50, 100]);
    }
    expect(out.match(/took the lease/g)).toHaveLength(1);
    expect(out).toMatch(new RegExp(`ok +exactly one leader: worker ${leaders[0]!.worker}`));
    expect(out).toMatch(/ok +every process saw the same weights: 10 -> 25 -> 50 -> 100/);
    expect(out).toMatch(/ok +promoted: every process serves v2 at 100%/);
    expect(out).toMatch(/fleet window of the canary .*: \d+ requests from 3 instances/);
    expect(out).not.toMatch(/FAIL/);

    // the run's keys are gone
    const prefix = /key prefix (\S+)/.exec(out)?.[1];
    expect(prefix).toMatch(/^pd-example-fleet:[0-9a-f]{8}:$/);
    expect(out).toMatch(/removed [1-9]\d* keys under/);
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      const [, left] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
      expect(left).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 40_000);

  it('says in one line when no Redis answers, and exits 1', async () => {
    const r = await runExample('examples/redis-fleet.ts', { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no Redis answers at redis:\/\/127\.0\.0\.1:1 .*REDIS_URL/);
  }, 20_000);
});
