import { describe, expectTypeOf, it } from 'vitest';
import { createDelivery } from '../../src/delivery.js';
import { mirrorMiddleware as expressMirror } from '../../src/integrations/express/index.js';
import { mirrorMiddleware as koaMirror } from '../../src/integrations/koa/index.js';
import { httpComparator, jsonComparator, type Comparator, type HttpOutcome, type Outcome, type ShadowClient, type ShadowIgnore, type ShadowResult, type ShadowStats } from '../../src/shadow/index.js';

describe('shadow types', () => {
  it('carries Req and Res through the client, its events and the comparators', () => {
    const delivery = createDelivery();
    const client = delivery.shadow({ name: 't', primary: (n: number) => ({ n }), shadow: async (n: number) => ({ n }), compare: jsonComparator() });
    expectTypeOf(client).toEqualTypeOf<ShadowClient<number, { n: number }>>();
    expectTypeOf(client.call).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(client.call(1)).toEqualTypeOf<Promise<{ n: number }>>();
    expectTypeOf(client.stats()).toEqualTypeOf<ShadowStats>();
    client.on('mismatch', (r) => expectTypeOf(r).toEqualTypeOf<ShadowResult<{ n: number }, number>>());
    expectTypeOf(client.on('result', () => {})).toEqualTypeOf<typeof client>();
    expectTypeOf(httpComparator()).toEqualTypeOf<Comparator<HttpOutcome>>();
    expectTypeOf(expressMirror({ target: 'http://127.0.0.1:1' }).stats().tooLarge).toBeNumber();
    expectTypeOf(koaMirror({ target: 'http://127.0.0.1:1' }).mismatches()).items.toHaveProperty('request').toHaveProperty('url').toBeString();
    void delivery.close();
  });

  it('types ignore with the outcomes and enabled with the request', () => {
    const delivery = createDelivery();
    const known: ShadowIgnore<{ n: number }> = (p) => p.value?.n === 0;
    delivery.shadow({
      name: 'typed', primary: (n: number) => ({ n }), shadow: (n: number) => ({ n }),
      ignore: [known, (p, s) => { expectTypeOf(p).toEqualTypeOf<Outcome<{ n: number }>>(); return Object.hasOwn(s, 'error'); }],
      enabled: (req) => { expectTypeOf(req).toEqualTypeOf<number>(); return req > 0; },
    });
    void delivery.close();
  });
});
