// experiments.assign on the hot path: ns/op over 100,000 distinct units (each unit's first assignment buffers its
// exposure; repeats hit the in-process exposure cache), plus the pure assignment and the results computation.
import { createDelivery } from '../src/delivery.js';
import { assign, compileExperiment, assignCompiled } from '../src/experiments/assign.js';
import { computeResults } from '../src/experiments/results.js';
import type { ExperimentDefinition } from '../src/experiments/types.js';
import { measure, printResults } from './harness.js';

const UNITS = 100_000;
const units = Array.from({ length: UNITS }, (_, i) => ({ userId: `user-${i}` }));
const two: ExperimentDefinition = { key: 'btn', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }] };
const five: ExperimentDefinition = { key: 'five', variants: ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, weight: 1 })) };
const layered: ExperimentDefinition = { ...two, key: 'layered', layer: 'home', trafficAllocation: 50 };

/** A delivery holding one experiment whose 100,000 units were all exposed and flushed already (the steady state). */
async function warm(def: ExperimentDefinition) {
  const d = createDelivery();
  await d.ready();
  await d.experiments.put(def);
  // in chunks, flushing between them, as a server's event loop would: a synchronous burst larger than the
  // buffer (10,000) would drop exposures instead
  for (let i = 0; i < units.length; i += 5_000) {
    for (const u of units.slice(i, i + 5_000)) d.experiments.assign(def.key, u);
    await d.flush();
  }
  if (d.experiments.stats().dropped > 0) throw new Error('warm-up dropped exposures');
  return d;
}

const c2 = compileExperiment(two);
const c5 = compileExperiment(five);
const results = [
  measure('assign (pure, 2 variants)', (i) => assignCompiled(c2, units[i % UNITS]!), { iterations: UNITS, batches: 10 }),
  measure('assign (pure, 5 variants)', (i) => assignCompiled(c5, units[i % UNITS]!), { iterations: UNITS, batches: 10 }),
  measure('assign (pure, compiling the definition each call)', (i) => assign(two, units[i % UNITS]!), { iterations: UNITS, batches: 10 }),
];
const cases: [string, ExperimentDefinition][] = [
  ['delivery.experiments.assign (2 variants, exposed units)', two],
  ['delivery.experiments.assign (5 variants, exposed units)', five],
  ['delivery.experiments.assign (10% traffic)', { ...two, key: 'partial', trafficAllocation: 10 }],
  ['delivery.experiments.assign (layer, 50%)', layered],
];
for (const [name, def] of cases) {
  const d = await warm(def);
  results.push(measure(name, (i) => d.experiments.assign(def.key, units[i % UNITS]!), { iterations: UNITS, batches: 10 }));
  await d.close();
}
const empty = createDelivery();
await empty.ready();
results.push(measure('delivery.experiments.assign (unknown experiment)', (i) => empty.experiments.assign('nope', units[i % UNITS]!), { iterations: UNITS, batches: 10 }));
await empty.close();
printResults(`experiments.assign over ${UNITS.toLocaleString('en-US')} units`, results);

// first exposures: every call buffers a new exposure (fresh delivery per batch so the cache is cold)
const fresh = createDelivery();
await fresh.ready();
await fresh.experiments.put(two);
let offset = 0;
const coldRuns = [];
for (let b = 0; b < 10; b++) {
  // one batch fits the buffer; flush between batches so every call buffers a new exposure, none is dropped
  coldRuns.push(measure('cold', () => fresh.experiments.assign('btn', { userId: `cold-${offset++}` }), { iterations: 9_000, batches: 1, warmup: 0 }));
  await fresh.flush();
}
coldRuns.sort((a, b) => a.nsPerOp - b.nsPerOp);
const cold = { ...coldRuns[5]!, name: 'delivery.experiments.assign (first exposure of the unit)' };
if (fresh.experiments.stats().dropped > 0) throw new Error('cold run dropped exposures');
printResults('experiments.assign, cold units (exposure buffered)', [cold]);

const def: ExperimentDefinition = { ...five, metrics: [{ key: 'buy', type: 'binomial' }, { key: 'revenue', type: 'continuous' }] };
const counters: Record<string, number> = {};
for (const v of def.variants) {
  counters[`units:${v.key}`] = 200_000;
  counters[`conv:buy:${v.key}`] = 20_000;
  counters[`sum:revenue:${v.key}`] = 1_000_000;
  counters[`sumsq:revenue:${v.key}`] = 90_000_000;
}
printResults('experiments results (5 variants x 2 metrics, from counters)', [
  measure('computeResults (fixed horizon, Holm)', () => computeResults(def, counters), { iterations: 2_000, batches: 10 }),
  measure('computeResults (sequential)', () => computeResults(def, counters, { sequential: true }), { iterations: 2_000, batches: 10 }),
]);

await fresh.close();
