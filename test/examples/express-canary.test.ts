import { describe, expect, it } from 'vitest';
import { runExampleOk } from './run-example.js';

// `npx tsx examples/express-canary.ts`: a real Express server on 127.0.0.1, real requests, a 1 s analysis.
const weights = (out: string) => [...out.matchAll(/^\s*[\d.]+s\s+weight\s+(\d+)%\s+(\w+)/gm)].map((m) => ({ weight: Number(m[1]), phase: m[2]! }));

describe('examples/express-canary.ts', () => {
  it('a healthy canary climbs 20 -> 80 and is promoted; /metrics shows both versions', async () => {
    const out = await runExampleOk('examples/express-canary.ts', { FAULTY: '' });
    const steps = weights(out);
    // every step in order (a held iteration may repeat a weight), ending promoted
    expect([...new Set(steps.map((s) => s.weight))]).toEqual([20, 40, 60, 80, 100]);
    expect(steps.at(-1)).toEqual({ weight: 100, phase: 'Succeeded' });
    expect(out).toMatch(/promoted: v2 serves all traffic/);
    expect(out).toMatch(/20 more requests: 0 on v1, 20 on v2/);
    // the middleware recorded both sides, and the gauges say where the canary ended
    expect(out).toMatch(/http_requests_total\{target="quote",version="stable",code="200"\} [1-9]/);
    expect(out).toMatch(/http_requests_total\{target="quote",version="canary",code="200"\} [1-9]/);
    expect(out).toMatch(/progressive_delivery_canary_weight\{name="quote"\} 100/);
    expect(out).toMatch(/progressive_delivery_canary_phase\{name="quote",phase="Succeeded"\} 1/);
    expect(out).not.toMatch(/rolled back/);
  }, 30_000);

  it('FAULTY=1: the canary answers 503 to a third of its requests and is rolled back', async () => {
    const out = await runExampleOk('examples/express-canary.ts', { FAULTY: '1' });
    expect(out).toMatch(/FAULTY=1/);
    const steps = weights(out);
    expect(steps[0]).toEqual({ weight: 20, phase: 'Progressing' });
    expect(steps.at(-1)).toEqual({ weight: 0, phase: 'Failed' });
    expect(out).toMatch(/request-success-rate [\d.]+ < min 95; failed checks 2 reached threshold 2: rolled back/);
    expect(out).toMatch(/rolled back: v1 serves all traffic again/);
    expect(out).toMatch(/20 more requests: 20 on v1, 0 on v2/);
    expect(out).toMatch(/http_requests_total\{target="quote",version="canary",code="503"\} [1-9]/);
    expect(out).toMatch(/progressive_delivery_canary_weight\{name="quote"\} 0/);
    expect(out).toMatch(/progressive_delivery_canary_phase\{name="quote",phase="Failed"\} 1/);
    expect(out).not.toMatch(/promoted/);
  }, 30_000);
});
