// Windows against a brute-force model: every record kept in a list, windows counted by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { MemoryStore } from '../../src/store/memory.js';
import { rig } from './helpers.js';

const RES = 1000;
const RETENTION = 30_000;

type Action =
  | { kind: 'advance'; ms: number }
  | { kind: 'record'; who: 0 | 1; durationMs: number; success: boolean; status?: number }
  | { kind: 'flush'; who: 0 | 1 };

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 7000 }) }), weight: 2 },
  {
    arbitrary: fc.record(
      {
        kind: fc.constant('record' as const),
        who: fc.constantFrom(0 as const, 1 as const),
        durationMs: fc.double({ min: 0.01, max: 5000, noNaN: true }),
        success: fc.boolean(),
        status: fc.constantFrom(200, 404, 503),
      },
      { requiredKeys: ['kind', 'who', 'durationMs', 'success'] },
    ),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('flush' as const), who: fc.constantFrom(0 as const, 1 as const) }), weight: 1 },
);

describe('windows against a model (property)', () => {
  it('snapshot and fleetWindow count exactly the records of the slots overlapping the window', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 80 }), fc.integer({ min: 1, max: 40_000 }), async (actions, windowMs) => {
        const clock = createManualClock(1_000_000);
        const store = new MemoryStore({ clock });
        const opts = { resolution: RES, retention: RETENTION, flushInterval: 0 };
        const instances = [rig({ clock, store, instanceId: 'i0', options: opts }), rig({ clock, store, instanceId: 'i1', options: opts })];
        const model: { at: number; who: number; durationMs: number; success: boolean; status?: number }[] = [];
        for (const a of actions) {
          if (a.kind === 'advance') clock.advance(a.ms);
          else if (a.kind === 'flush') await instances[a.who]!.metrics.flush();
          else {
            instances[a.who]!.metrics.record({ target: 't', version: 'v', success: a.success, durationMs: a.durationMs, status: a.status });
            model.push({ at: clock.now(), who: a.who, durationMs: a.durationMs, success: a.success, status: a.status });
          }
        }
        const now = clock.now();
        const w = Math.min(windowMs, RETENTION);
        const first = Math.floor((now - w) / RES);
        const inWindow = (at: number) => Math.floor(at / RES) >= first;
        const expect0 = model.filter((r) => r.who === 0 && inWindow(r.at));
        const local = instances[0]!.metrics.snapshot('t', 'v', windowMs);
        expect(local.requests).toBe(expect0.length);
        expect(local.errors).toBe(expect0.filter((r) => !r.success).length);

        await instances[1]!.metrics.flush();
        const all = model.filter((r) => inWindow(r.at));
        const fleet = await instances[0]!.metrics.fleetWindow('t', 'v', windowMs);
        expect(fleet.requests).toBe(all.length);
        expect(fleet.errors).toBe(all.filter((r) => !r.success).length);
        expect(fleet.statusClasses['4xx']).toBe(all.filter((r) => r.status === 404).length);
        if (all.length > 0) {
          const sorted = all.map((r) => r.durationMs).sort((a, b) => a - b);
          for (const q of [0.5, 0.9, 0.99]) {
            const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
            expect(Math.abs(fleet.histogram.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.01);
          }
        } else expect(fleet.p50).toBeNaN();
      }),
      { numRuns: 150 },
    );
  });
});
