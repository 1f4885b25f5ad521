// Helper for the A/B examples (not an example itself): the same visitors for the Express and the Koa app, which
// both serve GET /checkout (the assigned variant in X-Variant) and POST /buy (a purchase).

/**
 * Four known users (X-User-ID) ask for /checkout once each, and an anonymous visitor twice, sending back the
 * cookie it was given: prints the variant each one sees (`withBody` adds the rendered page).
 */
export async function showAssignments(base: string, { withBody = false } = {}): Promise<void> {
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    const res = await fetch(`${base}/checkout`, { headers: { 'x-user-id': user } });
    console.log(`${user.padEnd(6)} -> X-Variant: ${res.headers.get('x-variant')}${withBody ? `  ${await res.text()}` : ''}`);
  }
  // an anonymous visitor gets an id cookie and keeps their variant on the next visit
  const first = await fetch(`${base}/checkout`);
  const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
  const again = await fetch(`${base}/checkout`, { headers: { cookie } });
  console.log(`anonymous (${cookie}) -> ${first.headers.get('x-variant')}, then ${again.headers.get('x-variant')}`);
}

/**
 * 400 simulated users see /checkout; green converts a bit better (30% against 20%, picked deterministically).
 * A purchase is a POST to `buyPath(i)`.
 */
export async function simulateShoppers(base: string, buyPath: (i: number) => string = () => '/buy'): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const headers = { 'x-user-id': `user-${i}` };
    const variant = (await fetch(`${base}/checkout`, { headers })).headers.get('x-variant');
    if ((i * 7919) % 100 < (variant === 'green' ? 30 : 20)) await fetch(`${base}${buyPath(i)}`, { method: 'POST', headers });
  }
}
