// `npm run demo`: a 30-second tour of progressive-delivery on the in-memory store, with no setup.
// A simulated service receives synthetic traffic; time is simulated with the manual clock, so an hour of
// canary analysis takes a second. Every number printed is computed by the library from that traffic.
import {
  booleanFlag,
  createDelivery,
  createManualClock,
  seededRandom,
  type Analysis,
  type Delivery,
  type ExperimentResults,
} from '../src/index.js';

const tty = process.stdout.isTTY === true;
const random = seededRandom(20261126);
const clock = createManualClock(Date.UTC(2026, 10, 26, 12, 0, 0));
const started = Date.now();

const bold = (s: string) => (tty && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[22m` : s);
const heading = (n: number, title: string) => console.log(`\n${bold(`${n}. ${title}`)}`);
const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${x.toFixed(digits)}%` : 'n/a');
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)}ms` : 'n/a');

/** A latency sample (ms) from a log-normal around `median`. */
function latency(median: number): number {
  const u1 = Math.max(random(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(0.35 * z);
}

interface Req {
  userId: string;
}
interface Res {
  ok: true;
  version: string;
}

/**
 * A simulated handler: it "takes" a latency by moving the simulated clock (so the canary measures it with the
 * delivery's clock) and fails with the given probability.
 */
function simulated(version: string, medianMs: number, errorRate: number) {
  return (_req: Req): Res => {
    clock.advance(latency(medianMs)); // requests are served one at a time in simulated time
    if (random() < errorRate) throw new Error(`${version}: upstream 503`);
    return { ok: true, version };
  };
}

function progress(delivery: Delivery, name: string, line: string): void {
  const s = delivery.metrics.snapshot(name, 'stable', 60_000);
  const c = delivery.metrics.snapshot(name, 'canary', 60_000);
  const text =
    `${line}  stable ${pct(s.successRate, 2)} p99 ${ms(s.p99)} | canary ${pct(c.successRate, 2)} p99 ${ms(c.p99)}`;
  if (tty) process.stdout.write(`\r\x1b[2K${text}`);
  else console.log(text);
}

const analysis = (): Analysis => ({
  interval: '1m',
  threshold: 3,
  stepWeight: 10,
  maxWeight: 50,
  minRequests: 50,
  metrics: [
    { name: 'request-success-rate', thresholdRange: { min: 99 } },
    { name: 'request-duration', thresholdRange: { max: 150 } },
  ],
});

/** Drives one canary through its analysis with synthetic traffic, one simulated minute per iteration. */
async function runCanary(delivery: Delivery, name: string, canaryMedian: number, canaryErrors: number): Promise<void> {
  const canary = delivery.rollouts.canary<Req, Res>({
    name,
    stable: simulated('stable', 40, 0.001),
    canary: simulated('canary', canaryMedian, canaryErrors),
    stickyBy: (req) => req.userId,
    analysis: analysis(),
  });
  canary.on('rolledBack', (s) => {
    if (tty) process.stdout.write('\n');
    console.log(`   rolled back: ${s.message}`);
  });
  canary.on('promoted', () => {
    if (tty) process.stdout.write('\n');
    console.log('   promoted: the canary now serves 100% of traffic');
  });
  for (let iteration = 0; iteration < 20; iteration++) {
    const t0 = clock.now();
    for (let i = 0; i < 1200; i++) await canary.call({ userId: `u${Math.floor(random() * 50_000)}` }).catch(() => undefined);
    clock.advance(Math.max(0, 60_000 - (clock.now() - t0)));
    const st = await canary.runAnalysis();
    progress(delivery, name, `   ${st.phase.padEnd(12)} weight ${String(st.weight).padStart(3)}%  failed checks ${st.failedChecks}`);
    if (st.phase === 'Succeeded' || st.phase === 'Failed') break;
    if (tty) await new Promise((r) => setTimeout(r, 250)); // let a person watch the live line move
  }
  if (tty) process.stdout.write('\n');
}

function printResults(r: ExperimentResults): void {
  console.log('   variant     units   conversions   rate');
  for (const v of r.variants) {
    const m = v.metrics['purchase'];
    console.log(`   ${v.key.padEnd(10)} ${String(v.units).padStart(6)}   ${String(m?.conversions ?? 0).padStart(11)}   ${pct((m?.rate ?? NaN) * 100, 2)}`);
  }
  for (const c of r.comparisons) {
    console.log(
      `   ${c.variant} vs ${r.control}: lift ${pct(c.relativeLift * 100, 1)}, difference ${pct(c.difference * 100, 2)} ` +
        `(95% CI ${pct(c.ci[0] * 100, 2)} to ${pct(c.ci[1] * 100, 2)}), p = ${c.pValue.toExponential(2)}, ` +
        `${c.significant ? 'significant' : 'not significant'}`,
    );
  }
  console.log(`   sample ratio check: chi-square ${r.srm.chiSquare.toFixed(2)}, p = ${r.srm.pValue.toFixed(3)}${r.srm.mismatch ? '  MISMATCH' : ', no mismatch'}`);
}

async function main(): Promise<void> {
  const delivery = createDelivery({ clock, random });
  await delivery.ready();
  console.log(bold('progressive-delivery: a tour on the in-memory store (simulated time, synthetic traffic)'));

  heading(1, 'A healthy canary steps 10% .. 50%, then is promoted');
  await runCanary(delivery, 'checkout-api', 41, 0.001);

  heading(2, 'A faulty canary (3% errors, slower p99) is rolled back after the threshold');
  await runCanary(delivery, 'search-api', 75, 0.03);

  heading(3, 'A feature flag rolled out to 20%, with a user override and a group');
  await delivery.flags.put(booleanFlag('new-checkout-flow', { percentage: 20, userIds: ['alice'], groups: ['beta'] }));
  const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const onAt20 = users.filter((u) => delivery.flags.isEnabled('new-checkout-flow', { userId: u }));
  console.log(`   on for ${onAt20.length} of ${users.length} users (${pct((onAt20.length / users.length) * 100)})`);
  const alice = delivery.flags.evaluate('new-checkout-flow', { userId: 'alice' }, false);
  const beta = delivery.flags.evaluate('new-checkout-flow', { userId: 'bob', groups: ['beta'] }, false);
  console.log(`   alice: ${alice.value} (${alice.reason}); bob in group beta: ${beta.value} (${beta.reason}${beta.ruleId ? ` ${beta.ruleId}` : ''})`);
  await delivery.flags.put(booleanFlag('new-checkout-flow', { percentage: 50, userIds: ['alice'], groups: ['beta'] }));
  const stillOn = onAt20.filter((u) => delivery.flags.isEnabled('new-checkout-flow', { userId: u })).length;
  const onAt50 = users.filter((u) => delivery.flags.isEnabled('new-checkout-flow', { userId: u })).length;
  console.log(`   raised to 50%: on for ${onAt50} users; ${stillOn} of the ${onAt20.length} already on stayed on`);

  heading(4, 'An A/B test reaches significance');
  await delivery.experiments.put({
    key: 'checkout-button',
    variants: [
      { key: 'control', weight: 50 },
      { key: 'green', weight: 50 },
    ],
    status: 'running',
    metrics: [{ key: 'purchase', type: 'binomial' }],
  });
  for (let i = 0; i < 24_000; i++) {
    const ctx = { userId: `visitor-${i}` };
    const a = delivery.experiments.assign('checkout-button', ctx);
    const rate = a.variant === 'green' ? 0.115 : 0.1;
    if (random() < rate) delivery.experiments.track('checkout-button', ctx, 'purchase');
    if (i % 1000 === 999) await delivery.flush(); // a service flushes on a timer; the demo does it every 1,000 visitors
  }
  await delivery.flush();
  printResults(await delivery.experiments.results('checkout-button'));

  heading(5, 'A refactored function verified in shadow');
  const priceV1 = (req: { items: number[]; coupon?: string }) => {
    const subtotal = req.items.reduce((a, b) => a + b, 0);
    return { subtotal, total: req.coupon === 'TEN' ? Math.round(subtotal * 90) / 100 : subtotal, currency: 'EUR' };
  };
  const priceV2 = (req: { items: number[]; coupon?: string }) => {
    const subtotal = req.items.reduce((a, b) => a + b, 0);
    // the refactor rounds the discount differently: a real bug the shadow finds
    return { subtotal, total: req.coupon === 'TEN' ? Math.floor(subtotal * 90) / 100 : subtotal, currency: 'EUR' };
  };
  const pricing = delivery.shadow({ name: 'pricing', primary: priceV1, shadow: priceV2 });
  for (let i = 0; i < 1000; i++) {
    const items = Array.from({ length: 1 + Math.floor(random() * 4) }, () => Math.round(random() * 10_000) / 100);
    await pricing.call({ items, coupon: random() < 0.3 ? 'TEN' : undefined });
    await new Promise((r) => setImmediate(r)); // requests arrive one by one: let the shadow of this one run
  }
  await new Promise((r) => setImmediate(r));
  const s = pricing.stats();
  console.log(`   ${s.calls} calls, ${s.mirrored} mirrored: ${s.matched} matched, ${s.mismatched} mismatched, ${s.timeouts} timeouts`);
  const first = pricing.mismatches()[0];
  if (first) console.log(`   first mismatch: ${first.diffs.map((d) => `${d.path} ${JSON.stringify(d.primary)} -> ${JSON.stringify(d.shadow)}`).join(', ')}`);

  heading(6, 'A blue-green switch and an instant rollback');
  const bg = delivery.rollouts.blueGreen<Req, Res>({
    name: 'payments',
    blue: () => ({ ok: true, version: 'blue' }),
    green: () => ({ ok: true, version: 'green' }),
    preSwitch: [{ name: 'green answers', run: () => true }],
  });
  console.log(`   serving ${(await bg.call({ userId: 'u1' })).version}`);
  await bg.switch();
  console.log(`   switched after the pre-switch checks: serving ${(await bg.call({ userId: 'u1' })).version}`);
  await bg.rollback();
  console.log(`   rolled back instantly: serving ${(await bg.call({ userId: 'u1' })).version}`);

  console.log(`\n${bold('Rollouts')}`);
  for (const r of delivery.rollouts.status()) {
    console.log(`   ${r.name.padEnd(14)} ${r.kind.padEnd(10)} ${r.phase.padEnd(12)} weight ${r.weight ?? '-'}  ${r.message ?? ''}`);
  }
  await delivery.close();
  console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s of real time`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
