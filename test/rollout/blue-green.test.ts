// Blue-green on the manual clock and a memory store: routing, pre-switch checks (functions and real HTTP), in-flight
// calls, rollback, post-switch analysis, restarts, a second instance following the watch, the command channel.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError, ValidationError } from '../../src/core/errors.js';
import { SwitchRefusedError, type BlueGreen } from '../../src/rollout/blue-green.js';
import { requestRolloutAction } from '../../src/rollout/commands.js';
import type { Analysis, BlueGreenOptions } from '../../src/rollout/types.js';
import { MIN, setup, type Env } from './helpers.js';

let server: Server;
let base: string;
const received: string[] = [];
const bodies: unknown[] = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      if (data) bodies.push(JSON.parse(data));
      received.push(req.url ?? '');
      if (req.url === '/hang') return void hanging.push(res);
      const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      res.writeHead(status).end('done');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const envs: Env[] = [];
afterEach(async () => {
  for (const e of envs.splice(0)) await e.delivery.close();
});
async function env(opts: Parameters<typeof setup>[0] = {}): Promise<Env> {
  const e = await setup(opts);
  envs.push(e);
  return e;
}

type BG = BlueGreen<number, string>;
function make(e: Env, extra: Partial<BlueGreenOptions<number, string>> = {}, greenFails = 0): BG {
  let n = 0;
  return e.delivery.rollouts.blueGreen<number, string>({
    name: 'api',
    blue: (x) => `blue:${x}`,
    green: (x) => {
      n++;
      if (greenFails > 0 && n % greenFails === 0) throw new Error('green failure');
      return `green:${x}`;
    },
    ...extra,
  });
}

function events(bg: BG): string[] {
  const out: string[] = [];
  bg.on('phase', (s) => out.push(`phase:${s.phase}`));
  bg.on('switched', (s) => out.push(`switched:${s.active}`));
  bg.on('promoted', () => out.push('promoted'));
  bg.on('rolledBack', (s) => out.push(`rolledBack:${s.active}`));
  return out;
}

const until = async (cond: () => boolean, rounds = 200): Promise<void> => {
  for (let i = 0; i < rounds && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
};

describe('blue-green routing and switching', () => {
  it('calls run the active side; switch() flips it after the checks pass', async () => {
    const e = await env();
    const ran: string[] = [];
    const bg = make(e, { preSwitch: [{ name: 'a', run: () => (ran.push('a'), true) }, { name: 'b', run: async () => (ran.push('b'), true) }] });
    const seen = events(bg);
    await bg.load();
    expect(bg.active()).toBe('blue');
    expect(await bg.call(1)).toBe('blue:1');
    await bg.switch();
    expect(ran).toEqual(['a', 'b']);
    expect(bg.active()).toBe('green');
    expect(await bg.call(2)).toBe('green:2');
    expect(bg.status()).toMatchObject({ name: 'api', kind: 'blueGreen', phase: 'Succeeded', active: 'green', message: 'switched from blue to green' });
    expect(seen).toEqual(['phase:Succeeded', 'switched:green', 'promoted']);
    // a second switch goes back to blue, through the checks again
    await bg.switch();
    expect(bg.active()).toBe('blue');
    expect(ran).toEqual(['a', 'b', 'a', 'b']);
    expect(e.errors).toEqual([]);
  });

  it("starts on `active` when the store has no state; metrics are recorded per side", async () => {
    const e = await env();
    const bg = make(e, { active: 'green' });
    await bg.load();
    expect(bg.active()).toBe('green');
    await bg.call(1);
    await bg.call(2);
    expect(e.delivery.metrics.snapshot('api', 'green', MIN).requests).toBe(2);
    expect(e.delivery.metrics.snapshot('api', 'blue', MIN).requests).toBe(0);
  });

  it('a failed check refuses the switch, naming every failed check with its reason; nothing changes', async () => {
    const e = await env();
    const bg = make(e, {
      preSwitch: [
        { name: 'ok-fn', run: () => true },
        { name: 'false-fn', run: () => false },
        { name: 'throwing-fn', run: () => { throw new Error('db down'); } },
        { name: 'http-ok', url: `${base}/smoke` },
        { name: 'http-503', url: `${base}/smoke?status=503` },
      ],
    });
    const seen = events(bg);
    await bg.load();
    const err = await bg.switch().then(() => undefined, (x: unknown) => x);
    expect(err).toBeInstanceOf(SwitchRefusedError);
    expect(err).toBeInstanceOf(DeliveryError);
    const refused = err as SwitchRefusedError;
    expect(refused.code).toBe('CHECKS_FAILED');
    expect(refused.failedChecks.map((c) => c.name)).toEqual(['false-fn', 'throwing-fn', 'http-503']);
    expect(refused.message).toContain('false-fn');
    expect(refused.message).toContain('db down');
    expect(refused.message).toContain('HTTP 503');
    expect(refused.message).not.toContain('ok-fn');
    expect(refused.message).toContain('blue stays active');
    expect(bg.active()).toBe('blue');
    expect(bg.status().phase).toBe('Initialized');
    expect(bg.status().message).toContain('refused');
    expect(seen).toEqual([]);
    expect(received).toContain('/smoke?status=503');
    expect(bodies).toContainEqual({ name: 'api', from: 'blue', to: 'green' });
  });

  it('an HTTP check that does not answer within timeoutMs fails the switch (clock-driven timeout)', async () => {
    const e = await env();
    const bg = make(e, { preSwitch: [{ name: 'slow', url: `${base}/hang`, timeoutMs: 2000 }] });
    await bg.load();
    const before = received.filter((r) => r === '/hang').length;
    const p = bg.switch().then(() => undefined, (x: unknown) => x);
    await until(() => received.filter((r) => r === '/hang').length > before);
    await e.clock.advanceAsync(2000);
    const err = (await p) as SwitchRefusedError;
    expect(err).toBeInstanceOf(SwitchRefusedError);
    expect(err.failedChecks).toEqual([{ name: 'slow', error: expect.stringContaining('timed out after 2000 ms') }]);
    expect(bg.active()).toBe('blue');
  });

  it('calls already running finish on the side that took them', async () => {
    const e = await env();
    let release!: (v: string) => void;
    const bg = e.delivery.rollouts.blueGreen<number, string>({
      name: 'api',
      blue: (x) => (x === 0 ? new Promise<string>((r) => (release = r)) : `blue:${x}`),
      green: (x) => `green:${x}`,
    });
    await bg.load();
    const inFlight = bg.call(0);
    await bg.switch();
    expect(await bg.call(1)).toBe('green:1');
    release('blue:slow');
    expect(await inFlight).toBe('blue:slow');
    expect(e.delivery.metrics.snapshot('api', 'blue', MIN).requests).toBe(1);
    expect(e.delivery.metrics.snapshot('api', 'green', MIN).requests).toBe(1);
  });

  it('rollback() flips back at once without running the checks; with nothing to undo it rejects', async () => {
    const e = await env();
    let healthy = true;
    const bg = make(e, {
      preSwitch: [{ name: 'health', run: () => healthy }],
    });
    const seen = events(bg);
    await bg.load();
    await expect(bg.rollback()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await bg.switch();
    healthy = false; // checks would now fail: rollback must not run them
    await bg.rollback('bad deploy');
    expect(bg.active()).toBe('blue');
    expect(bg.status()).toMatchObject({ phase: 'Failed', message: 'rolled back to blue: bad deploy' });
    expect(seen).toEqual(['phase:Succeeded', 'switched:green', 'promoted', 'phase:Failed', 'switched:blue', 'rolledBack:blue']);
    await expect(bg.rollback()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    // switching again is refused while the check fails, and allowed once it passes
    await expect(bg.switch()).rejects.toBeInstanceOf(SwitchRefusedError);
    healthy = true;
    await bg.switch();
    expect(bg.active()).toBe('green');
  });
});

const analysis = (extra: Partial<Analysis> = {}): Analysis => ({
  interval: '1m',
  threshold: 2,
  minRequests: 10,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
  ...extra,
});

async function traffic(bg: BG, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await bg.call(i).catch(() => undefined);
}

describe('post-switch analysis', () => {
  it('a healthy new side passes `iterations` checks and succeeds; the schedule runs on the lease holder', async () => {
    const e = await env();
    const hooks: string[] = [];
    const bg = make(e, { postSwitchAnalysis: analysis({ iterations: 2, webhooks: [{ name: 'post', type: 'post-rollout', run: (p) => void hooks.push(`post:${p.phase}`) }] }) });
    const seen = events(bg);
    await bg.load();
    bg.start();
    await e.clock.advanceAsync(MIN); // before any switch the schedule does nothing
    expect(bg.status().phase).toBe('Initialized');
    await bg.switch();
    expect(bg.status()).toMatchObject({ phase: 'Progressing', active: 'green', message: 'switched from blue to green: watching green' });
    for (let i = 0; i < 3; i++) {
      await traffic(bg, 50);
      await e.clock.advanceAsync(MIN);
    }
    expect(bg.status().phase).toBe('Succeeded');
    expect(bg.active()).toBe('green');
    expect(seen).toEqual(['phase:Progressing', 'switched:green', 'phase:Promoting', 'phase:Succeeded', 'promoted']);
    expect(hooks).toEqual(['post:Promoting']);
    expect(bg.isLeader()).toBe(true);
  });

  it('a failing new side is rolled back by the analysis at the threshold', async () => {
    const e = await env();
    const hooks: string[] = [];
    const bg = make(e, { postSwitchAnalysis: analysis({ webhooks: [{ name: 'rb', type: 'rollback', run: (p) => void hooks.push(`rollback:${p.failedChecks}`) }] }) }, 10);
    const seen = events(bg);
    await bg.load();
    bg.start();
    await bg.switch();
    const failed: number[] = [];
    for (let i = 0; i < 3; i++) {
      await traffic(bg, 100);
      await e.clock.advanceAsync(MIN);
      failed.push(bg.status().failedChecks ?? -1);
    }
    expect(failed).toEqual([1, 2, 2]);
    expect(bg.active()).toBe('blue');
    expect(bg.status().phase).toBe('Failed');
    expect(bg.status().message).toMatch(/request-success-rate 90 < min 99; failed checks 2 reached threshold 2: rolled back/);
    expect(seen.slice(-3)).toEqual(['phase:Failed', 'switched:blue', 'rolledBack:blue']);
    expect(hooks).toEqual(['rollback:2']);
    expect(await bg.call(5)).toBe('blue:5');
  });

  it('no data holds (minRequests); pause() holds the analysis, resume() continues; promote() ends it', async () => {
    const e = await env();
    const bg = make(e, { postSwitchAnalysis: analysis({ iterations: 5 }) });
    await bg.load();
    bg.start();
    await bg.switch();
    await e.clock.advanceAsync(MIN);
    expect(bg.status()).toMatchObject({ phase: 'Progressing', failedChecks: 0 });
    expect(bg.status().message).toContain('no data');
    await bg.pause();
    await traffic(bg, 50);
    await e.clock.advanceAsync(MIN);
    expect(bg.status().phase).toBe('Paused');
    await bg.resume();
    await bg.promote();
    expect(bg.status().phase).toBe('Succeeded');
    expect(bg.active()).toBe('green');
  });
});

describe('blue-green state in the store', () => {
  it('survives a restart: a new delivery on the same store serves the switched side', async () => {
    const a = await env();
    const bg = make(a);
    await bg.load();
    await bg.switch();
    await a.delivery.close();
    envs.splice(envs.indexOf(a), 1);
    const b = await env({ store: a.store, clock: a.clock });
    const again = make(b); // `active` defaults to blue, but the store says green
    await again.load();
    expect(again.active()).toBe('green');
    expect(await again.call(1)).toBe('green:1');
  });

  it('a second instance follows a switch and a rollback through the watch', async () => {
    const a = await env();
    const b = await env({ store: a.store, clock: a.clock });
    const x = make(a);
    const y = make(b);
    await x.load();
    await y.load();
    const seen = events(y);
    await x.switch();
    await until(() => y.active() === 'green');
    await x.rollback();
    await until(() => y.active() === 'blue');
    expect(seen).toEqual(['phase:Succeeded', 'switched:green', 'promoted', 'phase:Failed', 'switched:blue', 'rolledBack:blue']);
  });

  it('a switch that races another one loses with a ConflictError and changes nothing more', async () => {
    const a = await env();
    const b = await env({ store: a.store, clock: a.clock });
    let gate!: () => void;
    const opened = new Promise<void>((r) => (gate = r));
    const x = make(a, { preSwitch: [{ name: 'slow', run: async () => (await opened, true) }] });
    const y = make(b);
    await x.load();
    await y.load();
    const slow = x.switch().then(() => undefined, (err: unknown) => err);
    await y.switch(); // green wins while x's check is running
    gate();
    const err = await slow;
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect((err as Error).message).toContain('green became active while the checks ran');
    expect(x.active()).toBe('green');
  });

  it("requestRolloutAction 'abort' from a process holding only the store rolls back, also after success", async () => {
    const e = await env();
    const bg = make(e);
    const seen = events(bg);
    await bg.load();
    await bg.switch();
    expect(bg.status().phase).toBe('Succeeded');
    await requestRolloutAction(e.store, 'api', 'abort', { reason: 'pager', clock: e.clock });
    await until(() => bg.active() === 'blue');
    expect(bg.status()).toMatchObject({ phase: 'Failed', message: 'rolled back to blue: pager' });
    expect(seen.slice(-2)).toEqual(['switched:blue', 'rolledBack:blue']);
    // nothing left to roll back: the command channel refuses
    await expect(requestRolloutAction(e.store, 'api', 'abort')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    // direct mode (no service running) flips the stored state too
    await bg.switch();
    const written = await requestRolloutAction(e.store, 'api', 'abort', { direct: true, reason: 'cli' });
    expect(written).toMatchObject({ phase: 'Failed', weight: 0, message: 'aborted: cli' });
    await until(() => bg.active() === 'blue');
  });

  it("requestRolloutAction 'abort' during the post-switch analysis is applied by the running instance", async () => {
    const e = await env();
    const bg = make(e, { postSwitchAnalysis: analysis() });
    await bg.load();
    bg.start();
    await bg.switch();
    await requestRolloutAction(e.store, 'api', 'abort', { reason: 'pager', clock: e.clock });
    await e.clock.advanceAsync(MIN);
    expect(bg.active()).toBe('blue');
    expect(bg.status()).toMatchObject({ phase: 'Failed', message: 'rolled back to blue: pager' });
  });
});

describe('blue-green actions that do not apply', () => {
  it('promote, pause and resume need a running post-switch analysis; abort needs a switch to undo', async () => {
    const e = await env();
    const bg = make(e, { postSwitchAnalysis: analysis() });
    await bg.load();
    await expect(bg.promote()).rejects.toThrow("cannot promote blueGreen 'api': no post-switch analysis is running (phase Initialized)");
    await expect(bg.pause()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(requestRolloutAction(e.store, 'api', 'promote')).rejects.toThrow(/no post-switch analysis is running/);
    await expect(requestRolloutAction(e.store, 'api', 'abort')).rejects.toThrow(/nothing to roll back/);
    await bg.switch();
    await bg.pause();
    expect(bg.status().phase).toBe('Paused');
    await requestRolloutAction(e.store, 'api', 'resume', { clock: e.clock });
    await until(() => bg.status().phase === 'Progressing');
    await bg.rollback();
    await expect(requestRolloutAction(e.store, 'api', 'pause')).rejects.toThrow(/no post-switch analysis is running \(phase Failed\)/);
    expect(bg.active()).toBe('blue');
  });
});

describe('blue-green options', () => {
  it('lists every problem with its path', async () => {
    const x = await env();
    let err: unknown;
    try {
      x.delivery.rollouts.blueGreen({
        name: 'bad name',
        blue: 'nope',
        active: 'red',
        preSwitch: [{ name: 'a' }, { name: 'a', run: () => true, url: 'ftp://x' }],
        postSwitchAnalysis: { interval: 'soon', threshold: 0, stepWeight: 10, metrics: [] },
      } as unknown as BlueGreenOptions<unknown, unknown>);
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['name', 'blue', 'green', 'active', 'preSwitch[0]', 'preSwitch[1].name', 'preSwitch[1]', 'preSwitch[1].url', 'postSwitchAnalysis.stepWeight', 'postSwitchAnalysis.interval', 'postSwitchAnalysis.threshold']),
    );
    expect(x.delivery.rollouts.status()).toEqual([]);
  });
});
