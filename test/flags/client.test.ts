import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { NS } from '../../src/core/context.js';
import { ConflictError, DeliveryError, ValidationError } from '../../src/core/errors.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { encode } from '../../src/flags/codec.js';
import type { FlagDefinition } from '../../src/flags/types.js';
import { MemoryStore } from '../../src/store/memory.js';

const settle = () => new Promise<void>((r) => setImmediate(r));
const open: Delivery[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
});

function make(store = new MemoryStore(), clock: ManualClock = createManualClock(1_000_000)) {
  const d = createDelivery({ store, clock });
  const errors: DeliveryError[] = [];
  d.on('error', (e) => errors.push(e));
  open.push(d);
  return { d, store, clock, errors };
}

describe('FlagClient on MemoryStore', () => {
  it('answers NOT_READY (and false) before ready(), then serves the loaded snapshot', async () => {
    const store = new MemoryStore();
    await store.put(NS.flags + 'pre', encode({ key: 'pre', enabled: true }));
    const { d } = make(store);
    expect(d.flags.isEnabled('pre', { userId: 'u' })).toBe(false);
    expect(d.flags.evaluate('pre', {}, false)).toEqual({ key: 'pre', value: false, reason: 'ERROR', errorCode: 'NOT_READY' });
    expect(d.flags.value('pre', {}, 'x')).toBe('x');
    expect(d.flags.variant('pre')).toBeUndefined();
    await d.ready();
    expect(d.flags.isEnabled('pre', { userId: 'u' })).toBe(true);
    expect(d.flags.evaluate('missing', {}, 1)).toEqual({ key: 'missing', value: 1, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('read-your-writes: evaluations see a put at once; reads are copies; stored with schemaVersion 1', async () => {
    const { d, store } = make();
    await d.ready();
    const saved = await d.flags.put(booleanFlag('new-checkout-flow', { userIds: ['u1'] }));
    expect(d.flags.isEnabled('new-checkout-flow', { userId: 'u1' })).toBe(true);
    expect(d.flags.isEnabled('new-checkout-flow', { userId: 'u2' })).toBe(false);
    expect(saved.key).toBe('new-checkout-flow');
    const got = d.flags.get('new-checkout-flow')!;
    got.enabled = false;
    got.targets!.on!.push('u2');
    expect(d.flags.isEnabled('new-checkout-flow', { userId: 'u2' })).toBe(false);
    expect(d.flags.get('new-checkout-flow')!.enabled).toBe(true);
    expect(d.flags.list().map((f) => f.key)).toEqual(['new-checkout-flow']);
    const raw = await store.get(NS.flags + 'new-checkout-flow');
    expect(raw?.value).toMatchObject({ schemaVersion: 1, definition: { key: 'new-checkout-flow' } });
  });

  it('rejects an invalid definition with every issue and writes nothing; the previous version keeps serving', async () => {
    const { d, store } = make();
    await d.ready();
    await d.flags.put({ key: 'f', enabled: true });
    const bad = { key: 'f', enabled: false, rules: [{ conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: { variant: 'of' } }] } as unknown as FlagDefinition;
    const err = await d.flags.put(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['rules[0].conditions[0].operator', 'rules[0].serve.variant']);
    expect((err as ValidationError).message).toMatch(/did you mean 'equals'/);
    expect(d.flags.isEnabled('f', {})).toBe(true);
    expect((await store.get(NS.flags + 'f'))?.version).toBe(1);
  });

  it('checks prerequisites against the snapshot: missing flags, cycles through several flags, removed variants, deletes', async () => {
    const { d } = make();
    await d.ready();
    await expect(d.flags.put({ key: 'a', enabled: true, prerequisites: [{ flag: 'b', variant: 'on' }] })).rejects.toThrow(/'b' does not exist/);
    await d.flags.put({ key: 'c', enabled: true });
    await d.flags.put({ key: 'b', enabled: true, prerequisites: [{ flag: 'c', variant: 'on' }] });
    await d.flags.put({ key: 'a', enabled: true, prerequisites: [{ flag: 'b', variant: 'on' }] });
    await expect(d.flags.put({ key: 'c', enabled: true, prerequisites: [{ flag: 'a', variant: 'on' }] })).rejects.toThrow(/cycle.*c -> a -> b -> c/);
    await expect(d.flags.put({ key: 'b', enabled: true, variants: { yes: true, no: false }, fallthrough: { variant: 'yes' } })).rejects.toThrow(/flag 'a' requires variant 'on'/);
    await expect(d.flags.delete('b')).rejects.toThrow(/prerequisite of 'a'/);
    expect(d.flags.evaluate('a', { userId: 'u' }, false)).toMatchObject({ value: true, reason: 'DEFAULT' });
    await d.flags.update('c', (f) => ({ ...f, enabled: false }));
    expect(d.flags.evaluate('a', { userId: 'u' }, true)).toMatchObject({ value: false, reason: 'PREREQUISITE_FAILED' });
  });

  it('update is compare-and-set: a concurrent write makes it re-read and re-apply', async () => {
    const { d, store } = make();
    await d.ready();
    await d.flags.put({ key: 'f', enabled: true, tags: [] });
    let calls = 0;
    const result = await d.flags.update('f', (def) => {
      calls++;
      if (calls === 1) void store.put(NS.flags + 'f', encode({ ...def, tags: ['other'] }));
      return { ...def, tags: [...(def.tags ?? []), 'mine'] };
    });
    expect(calls).toBe(2);
    expect(result.tags).toEqual(['other', 'mine']);
    expect(d.flags.get('f')!.tags).toEqual(['other', 'mine']);
  });

  it('update gives up with ConflictError after bounded retries, and rejects unknown flags and renames', async () => {
    const { d, store } = make();
    await d.ready();
    await d.flags.put({ key: 'f', enabled: true });
    let calls = 0;
    const err = await d.flags
      .update('f', (def) => {
        calls++;
        void store.put(NS.flags + 'f', encode(def));
        return def;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(calls).toBe(10);
    await expect(d.flags.update('nope', (x) => x)).rejects.toThrow(/unknown flag 'nope'/);
    await expect(d.flags.update('f', (x) => ({ ...x, key: 'g' }))).rejects.toThrow(/cannot rename/);
  });

  it("emits 'change' once per local or remote change, including deletes", async () => {
    const store = new MemoryStore();
    const one = make(store);
    const two = make(store);
    await Promise.all([one.d.ready(), two.d.ready()]);
    const seenOne: [string, boolean | undefined][] = [];
    const seenTwo: [string, boolean | undefined][] = [];
    one.d.flags.on('change', (k, def) => seenOne.push([k, def?.enabled]));
    two.d.flags.on('change', (k, def) => seenTwo.push([k, def?.enabled]));
    await one.d.flags.put({ key: 'x', enabled: true });
    await settle();
    expect(two.d.flags.isEnabled('x', {})).toBe(true);
    await two.d.flags.update('x', (f) => ({ ...f, enabled: false }));
    await settle();
    expect(one.d.flags.isEnabled('x', {})).toBe(false);
    await one.d.flags.put({ key: 'x', enabled: false }); // same content: no change
    await one.d.flags.delete('x');
    await settle();
    expect(seenOne).toEqual([['x', true], ['x', false], ['x', undefined]]);
    expect(seenTwo).toEqual([['x', true], ['x', false], ['x', undefined]]);
    expect(two.d.flags.get('x')).toBeUndefined();
  });

  it('a listener that throws is reported, not thrown', async () => {
    const { d, errors } = make();
    await d.ready();
    d.flags.on('change', () => {
      throw new Error('listener bug');
    });
    await d.flags.put({ key: 'x', enabled: true });
    expect(errors.map((e) => e.message).join()).toMatch(/listener bug/);
  });

  it('segments: put, evaluate through inSegment, read copies, refuse deleting one in use', async () => {
    const { d } = make();
    await d.ready();
    await expect(d.flags.putSegment({ key: 'staff', rules: [{ conditions: [{ attribute: 'email', operator: 'ends', values: ['@corp.com'] } as never] }] })).rejects.toThrow(/did you mean 'endsWith'/);
    await d.flags.putSegment({ key: 'staff', included: ['u1'], rules: [{ conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@corp.com'] }] }] });
    await d.flags.put({ key: 'admin-ui', enabled: true, fallthrough: { variant: 'off' }, rules: [{ conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['staff'] }], serve: { variant: 'on' } }] });
    expect(d.flags.isEnabled('admin-ui', { userId: 'u1' })).toBe(true);
    expect(d.flags.isEnabled('admin-ui', { userId: 'u2', email: 'x@corp.com' })).toBe(true);
    expect(d.flags.isEnabled('admin-ui', { userId: 'u2' })).toBe(false);
    await d.flags.putSegment({ key: 'staff', included: [] });
    expect(d.flags.isEnabled('admin-ui', { userId: 'u1' })).toBe(false);
    expect(d.flags.listSegments()).toEqual([{ key: 'staff', included: [] }]);
    await expect(d.flags.deleteSegment('staff')).rejects.toThrow(/used by 'admin-ui'/);
    await d.flags.delete('admin-ui');
    expect(await d.flags.deleteSegment('staff')).toBe(true);
    expect(d.flags.getSegment('staff')).toBeUndefined();
  });

  it('migrates bare (schema 0) documents on read; refuses newer schemas and invalid stored definitions with one error each', async () => {
    const store = new MemoryStore();
    await store.put(NS.flags + 'legacy', { key: 'legacy', enabled: true });
    await store.put(NS.flags + 'future', { schemaVersion: 2, definition: { key: 'future', enabled: true } });
    const { d, errors } = make(store);
    await d.ready();
    expect(d.flags.isEnabled('legacy', {})).toBe(true);
    expect(d.flags.get('future')).toBeUndefined();
    expect(errors.map((e) => e.message).join('\n')).toMatch(/schema 2.*upgrade/);
    await store.put(NS.flags + 'legacy', encode({ key: 'legacy', enabled: 'nope' }));
    await settle();
    expect(d.flags.isEnabled('legacy', {})).toBe(true); // previous version keeps serving
    expect(errors.some((e) => /enabled/.test(e.message))).toBe(true);
  });

  it('evaluateAll answers every flag for bootstrapping', async () => {
    const { d } = make();
    await d.ready();
    await d.flags.put(booleanFlag('a', { userIds: ['u1'] }));
    await d.flags.put({ key: 'b', enabled: true, variants: { x: 'X', y: 'Y' }, fallthrough: { variant: 'y' } });
    expect(d.flags.evaluateAll({ userId: 'u1' })).toEqual({
      a: { key: 'a', value: true, variant: 'on', reason: 'TARGET_MATCH' },
      b: { key: 'b', value: 'Y', variant: 'y', reason: 'DEFAULT' },
    });
  });

  it('value() and variant() follow the served variant and the default type', async () => {
    const { d } = make();
    await d.ready();
    await d.flags.put({ key: 'limit', enabled: true, variants: { low: 10, high: 100 }, fallthrough: { variant: 'high' }, rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', values: ['free'] }], serve: { variant: 'low' } }] });
    expect(d.flags.value('limit', { plan: 'free' }, 1)).toBe(10);
    expect(d.flags.value('limit', {}, 1)).toBe(100);
    expect(d.flags.value('limit', {}, 'str')).toBe('str');
    expect(d.flags.variant('limit', { plan: 'free' })).toBe('low');
    expect(d.flags.isEnabled('limit', {})).toBe(false);
    expect(d.flags.evaluate('limit', {}, true)).toEqual({ key: 'limit', value: true, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    expect(d.flags.isEnabled('limit', 'not a context' as never)).toBe(false);
  });

  it('close() stops its timer; evaluations keep answering from the last snapshot', async () => {
    const { d, clock } = make();
    await d.ready();
    await d.flags.put({ key: 'x', enabled: true });
    expect(clock.pending()).toBeGreaterThan(0);
    await d.close();
    open.splice(open.indexOf(d), 1);
    expect(clock.pending()).toBe(0);
    expect(d.flags.isEnabled('x', {})).toBe(true);
  });

  it('evaluation counts reach delivery.metrics.prometheus(), unless flagEvaluationCounting is false', async () => {
    const { d } = make();
    await d.ready();
    await d.flags.put(booleanFlag('counted', { userIds: ['u1'] }));
    d.flags.isEnabled('counted', { userId: 'u1' });
    d.flags.isEnabled('counted', { userId: 'u1' });
    expect(d.metrics.prometheus()).toContain('progressive_delivery_flag_evaluations_total{flag="counted",variant="on",reason="TARGET_MATCH"} 2');
    const quiet = createDelivery({ flagEvaluationCounting: false });
    open.push(quiet);
    await quiet.ready();
    await quiet.flags.put(booleanFlag('counted'));
    quiet.flags.isEnabled('counted', {});
    expect(quiet.metrics.prometheus()).not.toContain('progressive_delivery_flag_evaluations_total');
  });
});
