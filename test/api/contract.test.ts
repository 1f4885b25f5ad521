// Every name of ../shared/design/API.md, checked at the entry point API.md puts it in: values at run time,
// types at compile time (this file is typechecked by `npm test`).
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as root from '../../src/index.js';
import type {
  Analysis,
  AttributeValue,
  Assignment,
  BlueGreen,
  Canary,
  CanaryOptions,
  CanaryStatus,
  Check,
  Clock,
  Comparator,
  Condition,
  Diff,
  EvaluationContext,
  EvaluationDetail,
  ExperimentDefinition,
  ExperimentResults,
  FlagDefinition,
  FlagValue,
  GuardedRollout,
  Handler,
  Operator,
  Outcome,
  Ring,
  RingRollout,
  RolloutStatus,
  Rule,
  SegmentDefinition,
  Serve,
  ShadowClient,
  ShadowResult,
  Store,
} from '../../src/index.js';
import * as express from '../../src/integrations/express/index.js';
import * as koa from '../../src/integrations/koa/index.js';
import * as openfeature from '../../src/integrations/openfeature/index.js';
import * as redis from '../../src/store/redis-entry.js';
import * as testing from '../../src/testing/index.js';

describe('API.md names', () => {
  it('the root exports every value API.md lists', () => {
    for (const name of [
      'createDelivery', 'createManualClock', 'MemoryStore', 'FileStore', 'booleanFlag', 'bucket',
      'twoProportionZTest', 'welchTTest', 'srmTest', 'mannWhitneyU', 'sampleSizeTwoProportions', 'normalCdf', 'normalQuantile',
      'jsonComparator', 'DeliveryError', 'ValidationError', 'ConflictError', 'StoreUnavailableError',
    ]) {
      expect(typeof (root as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('every subpath exports its names', () => {
    expect(typeof redis.RedisStore).toBe('function');
    for (const m of [express, koa] as Record<string, unknown>[]) {
      for (const name of ['deliveryMiddleware', 'abTestMiddleware', 'mirrorMiddleware', 'metricsHandler', 'adminRouter']) {
        expect(typeof m[name], name).toBe('function');
      }
    }
    expect(typeof openfeature.DeliveryProvider).toBe('function');
    expect(typeof testing.describeStoreContract).toBe('function');
  });

  it('the error classes form one hierarchy', () => {
    expect(new root.ValidationError([{ path: 'a', message: 'b' }])).toBeInstanceOf(root.DeliveryError);
    expect(new root.ConflictError('k', 1, 2)).toBeInstanceOf(root.DeliveryError);
    expect(new root.StoreUnavailableError('down')).toBeInstanceOf(root.DeliveryError);
    expect(new root.ValidationError([{ path: 'a', message: 'b' }]).issues).toEqual([{ path: 'a', message: 'b' }]);
  });

  it('the facade and its modules have the methods of API.md', async () => {
    const delivery = root.createDelivery();
    const shapes: [object, string[]][] = [
      [delivery, ['ready', 'flush', 'close', 'on', 'shadow']],
      [delivery.flags, ['isEnabled', 'variant', 'value', 'evaluate', 'evaluateAll', 'put', 'update', 'get', 'list', 'delete', 'putSegment', 'on']],
      [delivery.experiments, ['put', 'assign', 'track', 'results', 'on']],
      [delivery.rollouts, ['canary', 'blueGreen', 'rings', 'guardedFlag', 'status']],
      [delivery.metrics, ['record', 'snapshot', 'prometheus']],
    ];
    for (const [obj, methods] of shapes) {
      for (const m of methods) expect(typeof (obj as Record<string, unknown>)[m], m).toBe('function');
    }
    await delivery.ready();
    const canary = delivery.rollouts.canary({
      name: 'api-check',
      stable: () => 1,
      canary: () => 2,
      analysis: { interval: '1m', threshold: 2, stepWeight: 10, maxWeight: 50, metrics: [] },
    });
    for (const m of ['call', 'route', 'start', 'stop', 'runAnalysis', 'status', 'promote', 'abort', 'pause', 'resume', 'on']) {
      expect(typeof (canary as unknown as Record<string, unknown>)[m], m).toBe('function');
    }
    const shadow = delivery.shadow({ name: 's', primary: () => 1, shadow: () => 1 });
    for (const m of ['call', 'stats', 'on']) expect(typeof (shadow as unknown as Record<string, unknown>)[m], m).toBe('function');
    await delivery.close();
  });

  it('the types have the shapes of API.md', () => {
    expectTypeOf<EvaluationContext['userId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<EvaluationContext['groups']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<AttributeValue>().toEqualTypeOf<string | number | boolean | string[] | null | undefined>();
    expectTypeOf<EvaluationDetail<boolean>['reason']>().toEqualTypeOf<
      'DISABLED' | 'PREREQUISITE_FAILED' | 'TARGET_MATCH' | 'RULE_MATCH' | 'SPLIT' | 'DEFAULT' | 'ERROR'
    >();
    expectTypeOf<EvaluationDetail<boolean>['errorCode']>().toEqualTypeOf<
      'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'NOT_READY' | 'TARGETING_KEY_MISSING' | 'GENERAL' | undefined
    >();
    expectTypeOf<FlagDefinition['hashing']>().toEqualTypeOf<'default' | 'crc32-mod100' | undefined>();
    expectTypeOf<FlagValue>().toMatchTypeOf<boolean | string | number | object>();
    expectTypeOf<Serve>().toMatchTypeOf<{ variant: string } | { split: { variant: string; weight: number }[] }>();
    expectTypeOf<Rule['conditions']>().toEqualTypeOf<Condition[]>();
    expectTypeOf<Operator>().toEqualTypeOf<
      'equals' | 'in' | 'contains' | 'startsWith' | 'endsWith' | 'matches' | 'lt' | 'lte' | 'gt' | 'gte' | 'before' | 'after'
      | 'semverEq' | 'semverLt' | 'semverGt' | 'exists' | 'inSegment'
    >();
    expectTypeOf<SegmentDefinition['key']>().toEqualTypeOf<string>();
    expectTypeOf<ExperimentDefinition['status']>().toEqualTypeOf<'draft' | 'running' | 'stopped' | undefined>();
    expectTypeOf<Assignment['inExperiment']>().toEqualTypeOf<boolean>();
    expectTypeOf<ExperimentResults['srm']>().toMatchTypeOf<{ chiSquare: number; pValue: number; mismatch: boolean }>();
    expectTypeOf<Diff['kind']>().toEqualTypeOf<'changed' | 'added' | 'removed' | 'error'>();
    expectTypeOf<Outcome<number>['durationMs']>().toEqualTypeOf<number>();
    expectTypeOf<ShadowResult<number>['match']>().toEqualTypeOf<boolean>();
    expectTypeOf<Comparator<number>>().parameters.toEqualTypeOf<[Outcome<number>, Outcome<number>]>();
    expectTypeOf<ShadowClient<string, number>['call']>().toEqualTypeOf<(req: string) => Promise<number>>();
    expectTypeOf<Handler<string, number>>().toEqualTypeOf<(req: string) => number | Promise<number>>();
    expectTypeOf<Check>().toMatchTypeOf<{ name: string }>();
    expectTypeOf<Ring>().toMatchTypeOf<{ name: string; audience?: Condition[]; percentage?: number }>();
    expectTypeOf<Analysis['noData']>().toEqualTypeOf<'hold' | 'fail' | undefined>();
    expectTypeOf<CanaryOptions<string, number>['stickyBy']>().toEqualTypeOf<((req: string) => string | undefined) | undefined>();
    expectTypeOf<Canary<string, number>['route']>().returns.toEqualTypeOf<'stable' | 'canary'>();
    expectTypeOf<CanaryStatus>().toMatchTypeOf<{ phase: string; weight: number; failedChecks: number; iteration: number; message: string; lastTransitionTime: number }>();
    expectTypeOf<BlueGreen<string, number>['active']>().returns.toEqualTypeOf<'blue' | 'green'>();
    expectTypeOf<RingRollout<string, number>['route']>().returns.toEqualTypeOf<'stable' | 'next'>();
    expectTypeOf<GuardedRollout['abort']>().toMatchTypeOf<(reason?: string) => Promise<void>>();
    expectTypeOf<RolloutStatus['kind']>().toEqualTypeOf<'canary' | 'blueGreen' | 'rings' | 'guardedFlag'>();
    expectTypeOf<Store['acquireLease']>().toEqualTypeOf<(name: string, owner: string, ttlMs: number) => Promise<boolean>>();
    expectTypeOf<Clock['now']>().toEqualTypeOf<() => number>();
  });
});
