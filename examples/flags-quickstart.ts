// Feature flags in five minutes: define, evaluate, roll out step by step, kill, and watch changes.
// Run: npx tsx examples/flags-quickstart.ts
import { createDelivery } from '../src/delivery.js';
import { booleanFlag } from '../src/flags/builders.js';
import { ValidationError } from '../src/core/errors.js';

const delivery = createDelivery(); // in-memory store; pass { store: new RedisStore(...) } to share with a fleet
delivery.on('error', (e) => console.error('delivery error:', e.message));
await delivery.ready();

delivery.flags.on('change', (key, def) => console.log(`  [change] ${key}: ${def ? `enabled=${def.enabled}` : 'deleted'}`));

// 1. The seed's flag: on for u1, on for the beta group, on for a percentage of everyone else.
await delivery.flags.put(booleanFlag('new-checkout-flow', { percentage: 0, userIds: ['u1'], groups: ['beta'] }));
console.log('u1        ->', delivery.flags.isEnabled('new-checkout-flow', { userId: 'u1' }));
console.log('beta user ->', delivery.flags.isEnabled('new-checkout-flow', { userId: 'u2', groups: ['beta'] }));
console.log('anyone    ->', delivery.flags.evaluate('new-checkout-flow', { userId: 'u3' }, false));

// 2. A progressive rollout: 5% -> 25% -> 50% -> 100%. Users inside stay inside as the percentage grows.
const users = Array.from({ length: 10_000 }, (_, i) => ({ userId: `user-${i}` }));
let previous = new Set<string>();
for (const percentage of [5, 25, 50, 100]) {
  await delivery.flags.update('new-checkout-flow', (def) => ({
    ...def,
    fallthrough: percentage >= 100 ? { variant: 'on' } : { split: [{ variant: 'on', weight: percentage }, { variant: 'off', weight: 100 - percentage }] },
  }));
  const on = new Set(users.filter((u) => delivery.flags.isEnabled('new-checkout-flow', u)).map((u) => u.userId));
  const stayed = [...previous].every((id) => on.has(id));
  console.log(`rollout ${String(percentage).padStart(3)}%: ${on.size} of ${users.length} users on; everyone from the previous step still on: ${stayed}`);
  previous = on;
}

// 3. Multivariate flag with targeting rules (first match wins) and a typed value.
await delivery.flags.put({
  key: 'checkout-button',
  enabled: true,
  variants: { control: 'Buy', green: 'Buy now', bold: 'BUY' },
  offVariant: 'control',
  rules: [
    { id: 'german-pros', conditions: [{ attribute: 'country', operator: 'equals', values: ['DE'] }, { attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }], serve: { variant: 'bold' } },
    { id: 'new-app', conditions: [{ attribute: 'appVersion', operator: 'semverGt', values: ['2.0.0'] }], serve: { split: [{ variant: 'control', weight: 50 }, { variant: 'green', weight: 50 }] } },
  ],
  fallthrough: { variant: 'control' },
});
console.log('DE pro   ->', delivery.flags.evaluate('checkout-button', { userId: 'u9', country: 'DE', plan: 'pro' }, 'Buy'));
console.log('app 2.1  ->', delivery.flags.value('checkout-button', { userId: 'u9', appVersion: '2.1.0' }, 'Buy'));
console.log('as number->', delivery.flags.evaluate('checkout-button', { userId: 'u9' }, 0)); // TYPE_MISMATCH: the default

// 4. Mistakes are caught before anything is written, all at once, with paths and hints.
try {
  await delivery.flags.put({ key: 'broken', enabled: true, rules: [{ conditions: [{ attribute: 'plan', operator: 'eq' as never, values: ['pro'] }], serve: { variant: 'onn' } }] });
} catch (err) {
  if (!(err instanceof ValidationError)) throw err;
  console.log('rejected:', err.issues);
}

// 5. The kill switch.
await delivery.flags.update('new-checkout-flow', (def) => ({ ...def, enabled: false }));
console.log('after kill, u1 ->', delivery.flags.evaluate('new-checkout-flow', { userId: 'u1' }, true));

// 6. Everything for one user, e.g. to bootstrap a front end.
console.log('evaluateAll ->', delivery.flags.evaluateAll({ userId: 'u1', country: 'DE', plan: 'pro' }));

await delivery.close();
