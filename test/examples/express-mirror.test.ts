import { describe, expect, it } from 'vitest';
import { runExampleOk } from './run-example.js';

// `npx tsx examples/express-mirror.ts`: two real Express servers on 127.0.0.1, the live one mirroring to the new one.
describe('examples/express-mirror.ts', () => {
  it('mirrors all six requests, reports the one price difference, and counts the results in Prometheus text', async () => {
    const out = await runExampleOk('examples/express-mirror.ts', {}, 20_000);

    // only product 3 differs; servedBy and generatedAt are ignored by the comparator
    expect(out.match(/^mismatch /gm)).toHaveLength(1);
    expect(out).toMatch(/^mismatch GET \/products\/3: body\.price 10 -> 9\.5$/m);
    expect(out).toMatch(/^mirrored 6 of 6: matched 5, mismatched 1, timeouts 0$/m);

    const counters = Object.fromEntries(
      [...out.matchAll(/^progressive_delivery_shadow_results_total\{name="products-v2",result="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]),
    );
    expect(counters).toEqual({ matched: 5, mismatched: 1, timeout: 0, error: 0, dropped: 0 });
  }, 30_000);
});
