import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiments/validate.js';

const ok = { key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }] };

describe('validateExperiment', () => {
  it('accepts a minimal and a full definition', () => {
    expect(validateExperiment(ok)).toEqual([]);
    expect(
      validateExperiment({
        ...ok,
        control: 'b',
        trafficAllocation: 12.5,
        layer: 'home',
        salt: 's',
        bucketBy: 'deviceId',
        status: 'stopped',
        winner: 'a',
        metrics: [{ key: 'buy', type: 'binomial' }, { key: 'revenue', type: 'continuous' }],
        description: 'x',
      }),
    ).toEqual([]);
  });

  it.each([
    ['not an object', 42, ['']],
    ['bad key', { ...ok, key: '-x' }, ['key']],
    ['one variant', { ...ok, variants: [{ key: 'a', weight: 1 }] }, ['variants']],
    ['zero weight', { ...ok, variants: [{ key: 'a', weight: 0 }, { key: 'b', weight: 1 }] }, ['variants[0].weight']],
    ['NaN weight', { ...ok, variants: [{ key: 'a', weight: NaN }, { key: 'b', weight: 1 }] }, ['variants[0].weight']],
    ['duplicate variant', { ...ok, variants: [{ key: 'a', weight: 1 }, { key: 'a', weight: 1 }] }, ['variants[1].key']],
    ['unknown control', { ...ok, control: 'z' }, ['control']],
    ['allocation over 100', { ...ok, trafficAllocation: 101 }, ['trafficAllocation']],
    ['negative allocation', { ...ok, trafficAllocation: -1 }, ['trafficAllocation']],
    ['unknown winner', { ...ok, status: 'stopped', winner: 'z' }, ['winner']],
    ['winner while running', { ...ok, winner: 'a' }, ['winner']],
    ['bad status', { ...ok, status: 'paused' }, ['status']],
    ['bad metric type', { ...ok, metrics: [{ key: 'm', type: 'ratio' }] }, ['metrics[0].type']],
    ['duplicate metric', { ...ok, metrics: [{ key: 'm', type: 'binomial' }, { key: 'm', type: 'continuous' }] }, ['metrics[1].key']],
    ['typo field', { ...ok, traficAllocation: 5 }, ['traficAllocation']],
    ['empty salt', { ...ok, salt: '' }, ['salt']],
  ])('%s', (_name, def, paths) => {
    expect(validateExperiment(def).map((i) => i.path)).toEqual(paths);
  });

  it('lists every problem at once, prefixed with the path', () => {
    const issues = validateExperiment({ key: '', variants: [{ key: 'a', weight: -1 }, { key: 'a', weight: 2 }], control: 'x', trafficAllocation: 200 }, 'experiments[3]');
    expect(issues.map((i) => i.path)).toEqual([
      'experiments[3].key',
      'experiments[3].variants[0].weight',
      'experiments[3].variants[1].key',
      'experiments[3].control',
      'experiments[3].trafficAllocation',
    ]);
    for (const i of issues) expect(i.message.length).toBeGreaterThan(10);
  });
});
