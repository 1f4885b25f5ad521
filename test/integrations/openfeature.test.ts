import { ErrorCode, OpenFeature, ProviderEvents, StandardResolutionReasons, type EventDetails } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { DeliveryProvider, toDeliveryContext } from '../../src/integrations/openfeature/index.js';

const delivery = createDelivery();
const provider = new DeliveryProvider(delivery);

beforeAll(async () => {
  // written before the provider is initialised: put waits for ready(), which initialize() triggers
  const seeding = (async () => {
    await delivery.flags.put(booleanFlag('new-checkout-flow', { userIds: ['u1'], groups: ['beta'] }));
    await delivery.flags.put({ key: 'banner', enabled: true, variants: { a: 'Hello', b: 'Hi' }, fallthrough: { variant: 'a' }, rules: [{ id: 'de', conditions: [{ attribute: 'country', operator: 'equals', values: ['DE'] }], serve: { variant: 'b' } }] });
    await delivery.flags.put({ key: 'limit', enabled: true, variants: { low: 10, high: 100 }, fallthrough: { variant: 'high' } });
    await delivery.flags.put({ key: 'theme', enabled: false, variants: { off: { color: 'grey' }, on: { color: 'blue', sizes: [1, 2] } } });
    await delivery.flags.put({ key: 'split', enabled: true, fallthrough: { split: [{ variant: 'on', weight: 50 }, { variant: 'off', weight: 50 }] } });
  })();
  await OpenFeature.setProviderAndWait(provider);
  await seeding;
});

afterAll(async () => {
  await OpenFeature.close();
  await delivery.close();
});

describe('DeliveryProvider through the OpenFeature SDK', () => {
  it('resolves booleans with targetingKey as userId; our reason in flagMetadata', async () => {
    const client = OpenFeature.getClient();
    const d = await client.getBooleanDetails('new-checkout-flow', false, { targetingKey: 'u1' });
    expect(d).toMatchObject({ value: true, variant: 'on', reason: StandardResolutionReasons.TARGETING_MATCH, flagMetadata: { reason: 'TARGET_MATCH' } });
    const g = await client.getBooleanDetails('new-checkout-flow', true, { targetingKey: 'u9', groups: ['beta'] });
    expect(g).toMatchObject({ value: true, reason: StandardResolutionReasons.TARGETING_MATCH, flagMetadata: { reason: 'RULE_MATCH', ruleId: 'groups', ruleIndex: 0 } });
    const other = await client.getBooleanDetails('new-checkout-flow', true, { targetingKey: 'u9' });
    expect(other).toMatchObject({ value: false, variant: 'off', reason: StandardResolutionReasons.DEFAULT });
  });

  it('resolves strings, numbers and objects', async () => {
    const client = OpenFeature.getClient();
    expect(await client.getStringValue('banner', 'x', { targetingKey: 'u', country: 'DE' })).toBe('Hi');
    expect(await client.getStringDetails('banner', 'x', { targetingKey: 'u' })).toMatchObject({ value: 'Hello', variant: 'a', reason: 'DEFAULT' });
    expect(await client.getNumberValue('limit', 1)).toBe(100);
    const theme = await client.getObjectDetails('theme', {});
    expect(theme).toMatchObject({ value: { color: 'grey' }, variant: 'off', reason: StandardResolutionReasons.DISABLED, flagMetadata: { reason: 'DISABLED' } });
    const split = await client.getBooleanDetails('split', false, { targetingKey: 'someone' });
    expect(split.reason).toBe(StandardResolutionReasons.SPLIT);
  });

  it('maps a missing flag, a type mismatch and a missing targeting key to OpenFeature error codes', async () => {
    const client = OpenFeature.getClient();
    const missing = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u' });
    expect(missing).toMatchObject({ value: true, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND });
    const mismatch = await client.getNumberDetails('banner', 7, { targetingKey: 'u' });
    expect(mismatch).toMatchObject({ value: 7, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.TYPE_MISMATCH });
    const noKey = await client.getBooleanDetails('split', true, {});
    expect(noKey).toMatchObject({ value: true /* the SDK serves the default on errors */, errorCode: ErrorCode.TARGETING_KEY_MISSING, flagMetadata: { reason: 'ERROR' } });
  });

  it('emits ConfigurationChanged with the changed flag keys', async () => {
    const client = OpenFeature.getClient();
    const seen = new Promise<EventDetails>((resolve) => client.addHandler(ProviderEvents.ConfigurationChanged, (e) => resolve(e!)));
    await delivery.flags.update('limit', (d) => ({ ...d, fallthrough: { variant: 'low' } }));
    const e = await seen;
    expect(e.flagsChanged).toEqual(['limit']);
    expect(await client.getNumberValue('limit', 1)).toBe(10);
  });

  it('lists dependent flags: prerequisites of a changed flag, users of a changed segment', async () => {
    const client = OpenFeature.getClient();
    await delivery.flags.putSegment({ key: 'staff', included: ['s1'] });
    await delivery.flags.put({ key: 'staff-tools', enabled: true, fallthrough: { variant: 'off' }, rules: [{ conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['staff'] }], serve: { variant: 'on' } }] });
    await delivery.flags.put({ key: 'staff-tools-v2', enabled: true, prerequisites: [{ flag: 'staff-tools', variant: 'on' }] });
    const events: string[][] = [];
    const handler = (e?: EventDetails) => void events.push([...((e as { flagsChanged?: string[] } | undefined)?.flagsChanged ?? [])]);
    client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    await delivery.flags.putSegment({ key: 'staff', included: ['s1', 's2'] });
    await delivery.flags.update('staff-tools', (d) => ({ ...d, description: 'internal' }));
    for (let i = 0; i < 100 && events.length < 2; i++) await new Promise((r) => setImmediate(r));
    client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
    expect(events).toEqual([
      ['staff-tools', 'staff-tools-v2'],
      ['staff-tools', 'staff-tools-v2'],
    ]);
    expect(await client.getBooleanValue('staff-tools-v2', false, { targetingKey: 's2' })).toBe(true);
  });

  it('answers PROVIDER_NOT_READY for a delivery that is not ready', async () => {
    const idle = createDelivery();
    const p = new DeliveryProvider(idle);
    const r = await p.resolveBooleanEvaluation('x', true, {});
    expect(r).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.PROVIDER_NOT_READY });
    await idle.close();
  });

  it('maps contexts safely: dates to ISO strings, __proto__ as data, unsupported values dropped', () => {
    const ctx = toDeliveryContext(JSON.parse('{"__proto__": "p", "targetingKey": "u1", "n": 1, "arr": ["a"], "obj": {"x": 1}}'));
    expect(ctx.userId).toBe('u1');
    expect(Object.hasOwn(ctx, '__proto__') && ctx['__proto__']).toBe('p');
    expect(ctx.n).toBe(1);
    expect(ctx.obj).toBeUndefined();
    expect(toDeliveryContext({ when: new Date(0) }).when).toBe('1970-01-01T00:00:00.000Z');
  });
});
