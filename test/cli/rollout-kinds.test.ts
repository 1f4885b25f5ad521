// The built CLI on blue-green, ring and guarded flag rollouts run by a live delivery on the same Redis: list and
// status show each kind's weight in its own words (the side, the open rings, the percent), and actions reach them.
import { describe, expect, it } from 'vitest';
import { booleanFlag } from '../../src/flags/builders.js';
import type { Analysis } from '../../src/rollout/types.js';
import { redisAvailable, SHARED_REDIS_URL } from '../helpers/redis.js';
import { cliSuite, runCli, until } from './helpers.js';

const available = await redisAvailable();
const built = cliSuite(available);

const ANALYSIS = { interval: '1h', threshold: 3, metrics: [{ name: 'ok', thresholdRange: { min: 1 }, query: () => 1 }] } as Analysis;

/**
 * A service instance running blue-green 'api' (switched to green), rings 'search' (ring 'internal' of two open) and
 * a guarded rollout of flag 'new-checkout' (at its first step, 10% of [10, 50]).
 */
async function service() {
  const { prefix, delivery: d } = built.service('pd-cli-kinds');
  const bg = d.rollouts.blueGreen<number, number>({ name: 'api', blue: (x) => x, green: (x) => x + 1 });
  const rings = d.rollouts.rings<number, number>({
    name: 'search',
    stable: (x) => x,
    next: (x) => x + 1,
    rings: [{ name: 'internal', audience: [{ attribute: 'groups', operator: 'in', values: ['employees'] }] }, { name: 'everyone', percentage: 100 }],
    context: (x) => ({ userId: String(x) }),
  });
  const guarded = d.rollouts.guardedFlag({ flag: 'new-checkout', steps: [10, 50], analysis: ANALYSIS });
  await d.ready();
  await d.flags.put(booleanFlag('new-checkout'));
  await bg.switch();
  await rings.advance();
  await guarded.runAnalysis();
  for (const r of [bg, rings, guarded]) r.start();
  const cli = (...args: string[]) => runCli(built.cli, ['--redis', SHARED_REDIS_URL, '--prefix', prefix, ...args]);
  return { d, bg, rings, guarded, cli };
}

type Row = { name: string; kind: string; phase: string; weight: number };

describe.skipIf(!available)('rollouts of every kind', () => {
  it('list and status show each kind with its weight in its own words', async () => {
    const { cli } = await service();
    const list = await cli('rollouts', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(list.json<Row[]>().map((r) => [r.name, r.kind, r.phase, r.weight])).toEqual([
      ['api', 'blueGreen', 'Succeeded', 100],
      ['new-checkout', 'guardedFlag', 'Progressing', 10],
      ['search', 'rings', 'Progressing', 1],
    ]);
    const human = await cli('rollouts', 'list');
    expect(human.stdout).toMatch(/^api\s+blueGreen\s+Succeeded\s+on green\s+0\s+\d+\s+\d+s ago/m);
    expect(human.stdout).toMatch(/^new-checkout\s+guardedFlag\s+Progressing\s+10% \/ 50%\s+0\s+1\s+\d+s ago\s+advanced to weight 10$/m);
    expect(human.stdout).toMatch(/^search\s+rings\s+Progressing\s+1 ring\s+0\s+\d+\s+\d+s ago\s+ring 'internal' open \(1 of 2\)$/m);
    const statuses = await Promise.all(['api', 'search', 'new-checkout'].map((n) => cli('rollouts', 'status', n)));
    expect(statuses.map((s) => /^weight\s+(.+)$/m.exec(s.stdout)?.[1])).toEqual(['on green', '1 ring', '10% / 50%']);
    expect(statuses.map((s) => /^kind\s+(.+)$/m.exec(s.stdout)?.[1])).toEqual(['blueGreen', 'rings', 'guardedFlag']);
    expect((await cli('rollouts', 'status', 'api', '--json')).json()).toMatchObject({ name: 'api', kind: 'blueGreen', data: { from: 'blue', to: 'green' } });
  });

  it('abort rolls a blue-green back to blue on the service; the side shows as "on blue"', async () => {
    const { cli, bg } = await service();
    expect(bg.active()).toBe('green');
    const r = await cli('rollouts', 'abort', 'api', '--reason', 'smoke alarm', '--wait', '10s');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("rollout 'api' aborted: phase Failed, weight on blue (rolled back to blue: smoke alarm)");
    await until(() => bg.active() === 'blue');
    expect(await bg.call(1)).toBe(1);
    expect((await cli('rollouts', 'status', 'api')).stdout).toMatch(/^weight\s+on blue$/m);
  });

  it('promote opens every ring on the service; the table shows "2 rings"', async () => {
    const { cli, rings } = await service();
    expect(rings.route(7)).toBe('stable');
    const r = await cli('rollouts', 'promote', 'search', '--wait', '10s', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ name: 'search', phase: 'Succeeded', weight: 2, requestedAction: null });
    await until(() => rings.route(7) === 'next');
    expect((await cli('rollouts', 'list')).stdout).toMatch(/^search\s+rings\s+Succeeded\s+2 rings\s/m);
  });

  it('pause holds a guarded flag rollout; abort sets the flag back to 0%, as `flags get` shows', async () => {
    const { cli, guarded, d } = await service();
    const paused = await cli('rollouts', 'pause', 'new-checkout', '--wait', '10s');
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain("rollout 'new-checkout' paused: phase Paused, weight 10% / 50%");
    await until(() => guarded.status().phase === 'Paused');
    expect((await cli('flags', 'get', 'new-checkout')).stdout).toMatch(/^fallthrough\s+on 10% · off 90%$/m);
    const aborted = await cli('rollouts', 'abort', 'new-checkout', '--wait', '10s');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toMatch(/rollout 'new-checkout' aborted: phase Failed, weight 0% \/ 50%/);
    await until(() => JSON.stringify(d.flags.get('new-checkout')?.fallthrough) === JSON.stringify({ split: [{ variant: 'on', weight: 0 }, { variant: 'off', weight: 100 }] }));
    expect((await cli('flags', 'get', 'new-checkout')).stdout).toMatch(/^fallthrough\s+on 0% · off 100%$/m);
  });
});
