// One process of the redis-fleet example. examples/redis-fleet.ts forks three of these; it is not meant to be run
// on its own. Each process is one "instance of the service": it opens a delivery on the shared Redis, registers the
// same canary, sends itself synthetic traffic through canary.call(), and tells the parent (over the fork IPC
// channel) every weight it sees, whether it holds the lease, and which state writes it made.
import { createDelivery, type CanaryStatus } from '../src/index.js'; // in an application: 'progressive-delivery'
import { RedisStore } from '../src/store/redis-entry.js'; // in an application: 'progressive-delivery/redis'

/** Messages to the parent. */
export type WorkerMessage =
  | { type: 'ready'; worker: number; pid: number }
  | { type: 'leader'; worker: number; leading: boolean }
  | { type: 'weight'; worker: number; weight: number; phase: string; leading: boolean }
  | { type: 'finished'; worker: number; phase: string; message: string }
  | {
      type: 'done';
      worker: number;
      everLeader: boolean;
      analysisWrites: number;
      requests: { stable: number; canary: number; errors: number };
      fleetWindow: { requests: number; instances: number; successRate: number; p99: number };
    };
/** Messages from the parent. */
export type ParentMessage = { type: 'start' } | { type: 'stop' };

const worker = Number(process.env.FLEET_WORKER ?? '0');
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.FLEET_PREFIX;
if (!process.send || !prefix) {
  console.error('redis-fleet-worker is started by examples/redis-fleet.ts: run `npx tsx examples/redis-fleet.ts`');
  process.exit(2);
}
const send = (m: WorkerMessage): void => void process.send?.(m);

interface Order {
  userId: string;
  items: number;
}
interface Receipt {
  version: 'v1' | 'v2';
  total: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A latency (ms) from a log-normal around `median`. */
const latency = (median: number): number => {
  const z = Math.sqrt(-2 * Math.log(Math.max(Math.random(), 1e-12))) * Math.cos(2 * Math.PI * Math.random());
  return median * Math.exp(0.3 * z);
};
/** A simulated implementation: it takes some milliseconds and fails now and then. */
const implementation =
  (version: 'v1' | 'v2', medianMs: number, errorRate: number) =>
  async (order: Order): Promise<Receipt> => {
    await sleep(latency(medianMs));
    if (Math.random() < errorRate) throw new Error(`${version}: payment provider timed out`);
    return { version, total: order.items * 9.99 };
  };

// The metrics windows are cut in 500 ms slots and flushed to Redis every 500 ms, so the leader's analysis reads
// the traffic of all three processes (the defaults, 5 s, suit a 1-minute interval in production).
const store = new RedisStore({ url, prefix });
const delivery = createDelivery({ store, leaseTtl: '5s', metrics: { resolution: '500ms', flushInterval: '500ms' } });
delivery.on('error', (e) => console.error(`[worker ${worker}] ${e.code}: ${e.message}`));

const checkout = delivery.rollouts.canary<Order, Receipt>({
  name: 'checkout',
  stable: implementation('v1', 12, 0.001),
  canary: implementation('v2', 10, 0.001),
  stickyBy: (order) => order.userId, // one user stays on one version while the weight grows
  analysis: {
    interval: '1s', // one iteration per second (wall clock): the whole rollout takes a few seconds
    threshold: 3,
    stepWeights: [10, 25, 50], // then promoted to 100
    minRequests: 20,
    metrics: [
      { name: 'request-success-rate', thresholdRange: { min: 97 }, interval: '3s' },
      { name: 'request-duration', thresholdRange: { max: 200 }, interval: '3s' },
    ],
  },
});
await delivery.ready();

// Which state writes of the rollout this process made: only the lease holder runs the analysis, so only it writes
// the steps (any process may write the initial document when it registers the canary first).
const myId = delivery.instanceId;
let analysisWrites = 0;
const unwatch = store.watch('rollouts/checkout', (c) => {
  const doc = c.value as { updatedBy?: unknown; phase?: unknown } | undefined;
  if (doc && doc.updatedBy === myId && doc.phase !== 'Initialized') analysisWrites++;
});

let everLeader = false;
let leading = false;
const leaderPoll = setInterval(() => {
  if (checkout.isLeader() === leading) return;
  leading = checkout.isLeader();
  everLeader ||= leading;
  send({ type: 'leader', worker, leading });
}, 25);

checkout.on('weight', (s: CanaryStatus) => send({ type: 'weight', worker, weight: s.weight, phase: s.phase, leading: checkout.isLeader() }));
const finished = (s: CanaryStatus) => send({ type: 'finished', worker, phase: s.phase, message: s.message });
checkout.on('promoted', finished);
checkout.on('rolledBack', finished);

// Synthetic traffic: 100 orders a second from 10,000 users, each through canary.call() (routes, runs, records).
const requests = { stable: 0, canary: 0, errors: 0 };
const inFlight = new Set<Promise<void>>();
let traffic: NodeJS.Timeout | undefined;
function startTraffic(): void {
  traffic = setInterval(() => {
    for (let i = 0; i < 2; i++) {
      const order = { userId: `user-${Math.floor(Math.random() * 10_000)}`, items: 1 + Math.floor(Math.random() * 5) };
      const p = checkout
        .call(order)
        .then((r) => void (r.version === 'v2' ? requests.canary++ : requests.stable++))
        .catch(() => void requests.errors++)
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 20);
}

async function stop(): Promise<void> {
  clearInterval(traffic);
  clearInterval(leaderPoll);
  await Promise.all(inFlight);
  await delivery.flush();
  const w = await delivery.metrics.fleetWindow('checkout', 'canary', '5s');
  unwatch();
  await delivery.close(); // stops the schedule, releases the lease, flushes
  await store.close(); // the delivery closes only a store it created
  send({
    type: 'done',
    worker,
    everLeader,
    analysisWrites,
    requests,
    fleetWindow: { requests: w.requests, instances: w.instances, successRate: w.successRate, p99: w.p99 },
  });
  process.disconnect();
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'start') {
    startTraffic();
    checkout.start(); // every process asks for the lease; exactly one gets it and runs the analysis
  } else if (m.type === 'stop') {
    void stop().catch((err: unknown) => {
      console.error(`[worker ${worker}]`, err);
      process.exit(1);
    });
  }
});
// the parent died: do not linger
process.on('disconnect', () => setTimeout(() => process.exit(0), 2000).unref());
send({ type: 'ready', worker, pid: process.pid });
