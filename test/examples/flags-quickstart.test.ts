import { describe, expect, it } from 'vitest';
import { binomialTolerance, printedAfter } from './parse-output.js';
import { runExampleOk } from './run-example.js';

// `npx tsx examples/flags-quickstart.ts`: flags on the in-memory store, no server.
describe('examples/flags-quickstart.ts', () => {
  it('targets, rolls out 5 -> 100% keeping users in, serves rules, rejects a broken flag, kills, and reports changes', async () => {
    const out = await runExampleOk('examples/flags-quickstart.ts', {}, 20_000);

    // 1. targeting: the listed user and the group are on while the percentage is 0
    expect(out).toMatch(/^u1 {8}-> true$/m);
    expect(out).toMatch(/^beta user -> true$/m);
    expect(printedAfter(out, 'anyone    ->')).toMatch(/value: false,\s+reason: 'DEFAULT'/);

    // 2. each step's share is near its percentage of the 10,000 users, and no one who was on is turned off
    const steps = [...out.matchAll(/^rollout +(\d+)%: (\d+) of (\d+) users on; everyone from the previous step still on: (\w+)$/gm)].map((m) => ({
      percentage: Number(m[1]),
      on: Number(m[2]),
      users: Number(m[3]),
      stayed: m[4],
    }));
    expect(steps.map((s) => s.percentage)).toEqual([5, 25, 50, 100]);
    for (const s of steps) {
      expect(s.users).toBe(10_000);
      expect(s.stayed).toBe('true');
      const p = s.percentage / 100;
      expect(Math.abs(s.on - s.users * p)).toBeLessThanOrEqual(binomialTolerance(s.users, p)); // exactly 10,000 at 100%
    }

    // 3. the first matching rule serves; the split rule serves one of its two variants; a wrong type gets the default
    expect(printedAfter(out, 'DE pro   ->')).toMatch(/value: 'BUY',\s+reason: 'RULE_MATCH',\s+variant: 'bold',[\s\S]*ruleId: 'german-pros'/);
    expect(out).toMatch(/^app 2\.1  -> (Buy|Buy now)$/m);
    expect(printedAfter(out, 'as number->')).toMatch(/value: 0,\s+reason: 'ERROR',\s+errorCode: 'TYPE_MISMATCH'/);

    // 4. both mistakes in one ValidationError, with paths and hints, and nothing written
    const rejected = printedAfter(out, 'rejected:');
    expect(rejected).toMatch(/path: 'rules\[0\]\.conditions\[0\]\.operator',\s+message: "unknown operator 'eq'; did you mean 'equals'\?"/);
    expect(rejected).toMatch(/path: 'rules\[0\]\.serve\.variant',\s+message: "unknown variant 'onn'; did you mean 'on'\?/);
    expect(out).not.toMatch(/\[change\] broken/);

    // 5. the kill switch wins over the user target
    expect(printedAfter(out, 'after kill, u1 ->')).toMatch(/value: false,\s+reason: 'DISABLED'/);

    // 6. evaluateAll has both flags for the user
    const all = printedAfter(out, 'evaluateAll ->');
    expect(all).toMatch(/'new-checkout-flow': \{[^}]*reason: 'DISABLED'/);
    expect(all).toMatch(/'checkout-button': \{[^}]*value: 'BUY'/);

    // the change listener saw every write: the put, four rollout steps, the second flag, and the kill, in that order
    const changes = [...out.matchAll(/^ {2}\[change\] (\S+): (.*)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(changes).toEqual([
      ...Array<string>(5).fill('new-checkout-flow enabled=true'),
      'checkout-button enabled=true',
      'new-checkout-flow enabled=false',
    ]);
  }, 30_000);
});
