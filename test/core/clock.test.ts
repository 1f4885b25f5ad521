import { describe, expect, it } from 'vitest';
import { createManualClock, sleep, systemClock } from '../../src/core/clock.js';

describe('createManualClock', () => {
  it('starts where told and moves only through advance()', () => {
    const clock = createManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(250);
    expect(clock.now()).toBe(1250);
  });

  it('runs due timers in due order, ties in creation order, each seeing its own due time', () => {
    const clock = createManualClock();
    const ran: string[] = [];
    clock.setTimeout(() => ran.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => ran.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => ran.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => ran.push(`b2@${clock.now()}`), 20);
    clock.setTimeout(() => ran.push('late'), 31);
    clock.advance(30);
    expect(ran).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.pending()).toBe(1);
  });

  it('runs timers scheduled by timers when they fall inside the window, not after it', () => {
    const clock = createManualClock();
    const ran: number[] = [];
    const tick = () => {
      ran.push(clock.now());
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    clock.advance(350);
    expect(ran).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(350);
    expect(clock.pending()).toBe(1);
  });

  it('clearTimeout cancels; negative, NaN and infinite delays run at the next advance', () => {
    const clock = createManualClock();
    const ran: string[] = [];
    const h = clock.setTimeout(() => ran.push('cancelled'), 5);
    clock.clearTimeout(h);
    clock.setTimeout(() => ran.push('neg'), -5);
    clock.setTimeout(() => ran.push('nan'), Number.NaN);
    clock.advance(0);
    expect(ran).toEqual(['neg', 'nan']);
    expect(clock.pending()).toBe(0);
  });

  it('advanceAsync lets the async work a timer starts settle before the next timer runs', async () => {
    const clock = createManualClock();
    const log: string[] = [];
    clock.setTimeout(() => {
      void (async () => {
        log.push('t1 start');
        await Promise.resolve();
        await new Promise<void>((r) => setImmediate(r));
        log.push('t1 end');
        clock.setTimeout(() => log.push('t3'), 5);
      })();
    }, 10);
    clock.setTimeout(() => log.push('t2'), 12);
    await clock.advanceAsync(20);
    expect(log).toEqual(['t1 start', 't1 end', 't2', 't3']);
  });

  it('sleep() resolves on the clock it is given', async () => {
    const clock = createManualClock();
    let done = false;
    const p = sleep(clock, 1000).then(() => (done = true));
    await clock.advanceAsync(999);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await p;
    expect(done).toBe(true);
  });
});

describe('systemClock', () => {
  it('gives unref-ed timers that never keep the process alive, and clears them', async () => {
    const t = systemClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    expect(t.hasRef()).toBe(false);
    systemClock.clearTimeout(t);
    const before = systemClock.now();
    expect(Math.abs(before - Date.now())).toBeLessThan(1000);
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 1));
  });
});
