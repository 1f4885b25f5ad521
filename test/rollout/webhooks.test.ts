import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from '../../src/core/clock.js';
import { safeLogger } from '../../src/core/logger.js';
import { ErrorReporter } from '../../src/core/report.js';
import { checkResults, DEFAULT_WEBHOOK_TIMEOUT_MS, runChecks, runWebhook, runWebhooks, type HookRunner } from '../../src/rollout/webhooks.js';
import type { WebhookPayload } from '../../src/rollout/types.js';
import { freePort } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';
import { makeCanary, setup } from './helpers.js';

let server: Server;
let base: string;
const received: { path: string; body: unknown; type: string | undefined }[] = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: data ? JSON.parse(data) : undefined, type: req.headers['content-type'] });
      if (req.url === '/hang') return void hanging.push(res);
      const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      res.writeHead(status, { 'content-type': 'text/plain' }).end('done');
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

const payload: WebhookPayload = { name: 'checkout', phase: 'Progressing', weight: 20, failedChecks: 1, metadata: {} };
const runner = (clock = systemClock): HookRunner & { errors: string[] } => {
  const errors: string[] = [];
  return { clock, reporter: new ErrorReporter((e) => errors.push(e.message), safeLogger()), subject: 'test', errors };
};

describe('HTTP webhooks against a real server on 127.0.0.1', () => {
  it('POSTs the payload as JSON and treats 2xx as success', async () => {
    received.length = 0;
    const r = runner();
    const res = await runWebhook({ name: 'load', type: 'rollout', url: `${base}/load`, metadata: { cmd: 'hey -z 1m' } }, payload, r);
    expect(res).toEqual({ name: 'load', ok: true });
    expect(received).toEqual([{ path: '/load', type: 'application/json', body: { ...payload, metadata: {} } }]);
    const merged = await runWebhooks([{ name: 'load', type: 'rollout', url: `${base}/m`, metadata: { cmd: 'x' } }], 'rollout', payload, r);
    expect(merged).toEqual([]);
    expect(received[1]?.body).toEqual({ ...payload, metadata: { cmd: 'x' } });
  });

  it('non-2xx, a refused connection and a timeout are failures, reported', async () => {
    const r = runner();
    expect(await runWebhook({ name: 'gate', type: 'confirm-promotion', url: `${base}/x?status=403` }, payload, r)).toMatchObject({ ok: false, error: "confirm-promotion webhook 'gate' answered HTTP 403" });
    const port = await freePort();
    expect((await runWebhook({ name: 'gone', type: 'rollout', url: `http://127.0.0.1:${port}/` }, payload, r)).ok).toBe(false);
    const clock = createManualClock();
    const slow = runner(clock);
    const pending = runWebhook({ name: 'slow', type: 'pre-rollout', url: `${base}/hang`, timeoutMs: 2000 }, payload, slow);
    await clock.advanceAsync(1999);
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((res) => setTimeout(res, 20));
    expect(settled).toBe(false);
    await clock.advanceAsync(1);
    expect(await pending).toMatchObject({ ok: false, error: expect.stringMatching(/timed out after 2000 ms/) });
    expect(slow.errors).toHaveLength(1);
    expect(r.errors).toHaveLength(1); // the refused connection (403 is a result, not an error)
  });

  it('without timeoutMs a webhook or URL check that never answers fails at 10 s, not before', async () => {
    const clock = createManualClock();
    const r = runner(clock);
    const settled: string[] = [];
    const before = hanging.length;
    const hook = runWebhook({ name: 'slow', type: 'rollout', url: `${base}/hang` }, payload, r).then((res) => (settled.push('hook'), res));
    const check = checkResults([{ name: 'smoke', url: `${base}/hang` }], r).then((res) => (settled.push('check'), res));
    // both requests reached the server and hang there
    await until(() => hanging.length === before + 2, { what: 'both requests at the server' });
    await clock.advanceAsync(9_999);
    expect(settled).toEqual([]);
    await clock.advanceAsync(1);
    expect(await hook).toMatchObject({ ok: false, error: expect.stringMatching(/timed out after 10000 ms/) });
    expect(await check).toEqual([{ name: 'smoke', ok: false, error: expect.stringMatching(/timed out after 10000 ms/) }]);
    expect(DEFAULT_WEBHOOK_TIMEOUT_MS).toBe(10_000);
  });

  it('runs only the hooks of the asked type, in order, and returns the failed names', async () => {
    const order: string[] = [];
    const failed = await runWebhooks(
      [
        { name: 'a', type: 'rollout', run: () => void order.push('a') },
        { name: 'b', type: 'event', run: () => void order.push('b') },
        { name: 'c', type: 'rollout', url: `${base}/c?status=500` },
        { name: 'd', type: 'rollout', run: () => (order.push('d'), false) },
      ],
      'rollout',
      payload,
      runner(),
    );
    expect(order).toEqual(['a', 'd']);
    expect(failed).toEqual(['c', 'd']);
  });

  it('checks (for blue-green pre-switch): functions and URLs', async () => {
    const failed = await runChecks(
      [
        { name: 'fn-ok', run: () => true },
        { name: 'fn-no', run: async () => false },
        { name: 'url-ok', url: `${base}/smoke` },
        { name: 'url-no', url: `${base}/smoke?status=503`, timeoutMs: 1000 },
      ],
      runner(),
    );
    expect(failed).toEqual(['fn-no', 'url-no']);
  });

  it('a canary calls its HTTP hooks with { name, phase, weight, failedChecks, metadata }', async () => {
    received.length = 0;
    const env = await setup();
    const c = makeCanary(env, {
      stepWeight: 50,
      maxWeight: 50,
      metrics: [{ name: 'q', thresholdRange: { min: 1 }, query: () => 1 }],
      webhooks: [
        { name: 'pre', type: 'pre-rollout', url: `${base}/pre`, metadata: { team: 'payments' } },
        { name: 'load', type: 'rollout', url: `${base}/load` },
        { name: 'approve', type: 'confirm-promotion', url: `${base}/approve` },
        { name: 'post', type: 'post-rollout', url: `${base}/post` },
        { name: 'events', type: 'event', url: `${base}/event` },
      ],
    });
    await c.load();
    await c.runAnalysis();
    await c.runAnalysis();
    await c.runAnalysis();
    expect(c.status().phase).toBe('Succeeded');
    expect(received.map((x) => [x.path, x.body])).toEqual([
      ['/pre', { name: 'checkout', phase: 'Initialized', weight: 0, failedChecks: 0, metadata: { team: 'payments' } }],
      ['/event', { name: 'checkout', phase: 'Progressing', weight: 0, failedChecks: 0, metadata: { message: 'advanced to weight 50', previousPhase: 'Initialized' } }],
      ['/load', { name: 'checkout', phase: 'Progressing', weight: 50, failedChecks: 0, metadata: {} }],
      ['/approve', { name: 'checkout', phase: 'Progressing', weight: 50, failedChecks: 0, metadata: {} }],
      ['/event', { name: 'checkout', phase: 'Promoting', weight: 50, failedChecks: 0, metadata: { message: 'analysis passed: promoting', previousPhase: 'Progressing' } }],
      ['/post', { name: 'checkout', phase: 'Promoting', weight: 100, failedChecks: 0, metadata: {} }],
      ['/event', { name: 'checkout', phase: 'Succeeded', weight: 100, failedChecks: 0, metadata: { message: 'promoted: the canary serves all traffic', previousPhase: 'Promoting' } }],
    ]);
    await env.delivery.close();
  });
});
