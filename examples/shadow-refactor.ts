// A function-level refactor verified in shadow: the old tax calculation keeps serving while the rewritten one runs
// beside it on every call; differences are collected, noise (a timestamp) is learned from a second primary call,
// and a summary is printed. Run: npx tsx examples/shadow-refactor.ts (exits 0).
import { createDelivery, jsonComparator } from '../src/index.js'; // in an application: from 'progressive-delivery'

interface Cart { id: number; country: 'DE' | 'FR' | 'US'; items: { sku: string; price: number; qty: number }[] }
interface Quote { cartId: number; net: number; tax: number; gross: number; computedAt: string }

const RATES = { DE: 0.19, FR: 0.2, US: 0.0725 } as const;
const round2 = (n: number): number => Math.round(n * 100) / 100;
let tick = 0;
const stamp = (): string => new Date(1_700_000_000_000 + ++tick).toISOString(); // differs on every call: noise

/** The code in production. */
function quoteV1(cart: Cart): Quote {
  let net = 0;
  for (const item of cart.items) net += item.price * item.qty;
  const tax = round2(net * RATES[cart.country]);
  return { cartId: cart.id, net: round2(net), tax, gross: round2(net + tax), computedAt: stamp() };
}

/** The rewrite: tax per line, rounded per line (a real behaviour change for some carts). */
async function quoteV2(cart: Cart): Promise<Quote> {
  await new Promise((r) => setTimeout(r, 2)); // pretend it calls a new service
  const net = round2(cart.items.reduce((s, i) => s + i.price * i.qty, 0));
  const tax = round2(cart.items.reduce((s, i) => s + round2(i.price * i.qty * RATES[cart.country]), 0));
  return { cartId: cart.id, net, tax, gross: round2(net + tax), computedAt: stamp() };
}

const delivery = createDelivery();
await delivery.ready();

const quotes = delivery.shadow<Cart, Quote>({
  name: 'tax-per-line',
  primary: quoteV1,
  shadow: quoteV2,
  compare: jsonComparator({ numericTolerance: 0.001 }),
  noise: { secondary: quoteV1 },              // learns that computedAt always differs
  endpoint: (cart) => cart.country,          // noise and mismatches per country
  mismatchLogSize: 5,
  redact: (r) => ({ ...r, request: { ...r.request, items: [] } }), // keep carts out of logs
});

const carts: Cart[] = Array.from({ length: 200 }, (_, id) => ({
  id,
  country: (['DE', 'FR', 'US'] as const)[id % 3]!,
  items: Array.from({ length: 1 + (id % 4) }, (_, k) => ({ sku: `sku-${k}`, price: 0.99 + ((id * 7 + k * 13) % 50) * 1.37, qty: 1 + (k % 3) })),
}));

for (const cart of carts) {
  const quote = await quotes.call(cart); // always quoteV1's answer, never delayed by quoteV2
  if (quote.cartId !== cart.id) throw new Error('the primary result must come back unchanged');
  if (cart.id % 20 === 19) await new Promise((r) => setTimeout(r, 3)); // requests arrive over time, not all at once
}
// let the last shadows finish and be compared
while (quotes.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 5));
await new Promise((r) => setImmediate(r));

const s = quotes.stats();
console.log(`calls ${s.calls}, mirrored ${s.mirrored}, dropped ${s.dropped}, matched ${s.matched}, mismatched ${s.mismatched}, timeouts ${s.timeouts}, shadow errors ${s.shadowErrors}`);
console.log(`latency p50 primary ${s.latency.primary.p50} ms, shadow ${s.latency.shadow.p50} ms`);
for (const ep of s.noise.endpoints) console.log(`noise ${ep.endpoint}: ${ep.paths.map((p) => `${p.path} (seen ${p.disagreements}, filtered ${p.filtered})`).join(', ')}`);
for (const m of quotes.mismatches().slice(-3)) {
  console.log(`mismatch cart ${(m.request as Cart).id}: ${m.diffs.map((d) => `${d.path} ${String(d.primary)} -> ${String(d.shadow)}`).join('; ')}`);
}
if (s.mirrored !== s.matched + s.mismatched + s.timeouts) throw new Error('every mirrored call ends as exactly one result');
if (s.noise.filtered === 0) throw new Error('computedAt should have been learned as noise');
await delivery.close();
