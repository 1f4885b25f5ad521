// The HTTP-level suite both adapters must pass, run against a real Express or Koa app on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { ValidationError } from '../../src/core/errors.js';
import { createDelivery, type Delivery } from '../../src/delivery.js';
import { booleanFlag } from '../../src/flags/builders.js';
import { cellsOf, Client, CountingStore, decodeEntities, elementOf, readEvents, tokenOf, urlsOf, waitFor } from './http-helpers.js';
import { flagsDelivery, START } from './fixture.js';

export interface Mounted {
  origin: string;
  /** The mount path the dashboard answers under. */
  base: string;
  close(): Promise<void>;
}

export type Mount = (delivery: Delivery, options: Record<string, unknown>) => Promise<Mounted>;

export function describeAdminHttp(framework: string, mount: Mount): void {
  describe(`adminRouter over HTTP (${framework})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });

    async function setup(options: Record<string, unknown> = { insecure: true }, delivery?: Delivery) {
      const d = delivery ?? (await flagsDelivery()).delivery;
      const m = await mount(d, options);
      cleanup.push(async () => {
        await m.close();
        await d.close();
      });
      return { d, m, client: new Client(m.origin) };
    }

    it('throws at once without authorize and without insecure: true, saying what to pass', async () => {
      const { delivery } = await flagsDelivery();
      cleanup.push(() => delivery.close());
      const err = await mount(delivery, {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]!.path).toBe('authorize');
      expect((err as Error).message).toMatch(/authorize: \(req\) => boolean/);
      expect((err as Error).message).toMatch(/insecure: true/);
    });

    it('answers 403 on every route when authorize returns false, and serves when it returns true', async () => {
      let allow = false;
      const seen: unknown[] = [];
      const { m, client } = await setup({ authorize: (r: unknown) => (seen.push(r), allow) });
      for (const p of ['/', '/flags', '/flags/dark-mode', '/experiments', '/rollouts', '/shadows', '/assets/admin.css', '/assets/admin.js', '/events', '/nope']) {
        const r = await client.get(m.base + p);
        expect(r.status, p).toBe(403);
      }
      const post = await client.post(`${m.base}/flags/dark-mode/toggle`, { enabled: 'true' });
      expect(post.status).toBe(403);
      expect(seen.length).toBeGreaterThan(0);
      allow = true;
      expect((await client.get(`${m.base}/flags`)).status).toBe(200);
    });

    it('refuses (403) and reports when authorize throws or rejects', async () => {
      const { d, m, client } = await setup({ authorize: async () => Promise.reject(new Error('session store down')) });
      const errors: string[] = [];
      d.on('error', (e) => errors.push(e.message));
      expect((await client.get(`${m.base}/flags`)).status).toBe(403);
      expect(errors.join()).toMatch(/authorize\(\) threw/);
    });

    it('keeps every link, form, asset and the event stream under the mount path', async () => {
      const { d, m, client } = await setup();
      await d.experiments.put({ key: 'exp-a', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], metrics: [{ key: 'm', type: 'binomial' }] });
      d.rollouts.canary({ name: 'api', stable: () => 1, canary: () => 2, analysis: { interval: '1m', threshold: 2, stepWeight: 10, metrics: [] } });
      d.shadow({ name: 's', primary: () => 1, shadow: () => 2 });
      const root = await client.get(`${m.base}/`);
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe(`${m.base}/flags`);
      for (const p of ['/flags', '/flags?q=dark', '/flags/new-checkout-flow', '/flags/search-ranking', '/experiments', '/experiments/exp-a', '/rollouts', '/shadows', '/missing']) {
        const r = await client.get(m.base + p);
        const urls = urlsOf(r.text);
        expect(urls.length, p).toBeGreaterThan(5);
        for (const u of urls) expect(u.startsWith(`${m.base}/`), `${p}: ${u}`).toBe(true);
        expect(r.text).not.toMatch(/https?:\/\//); // nothing from another host
        expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      }
      const css = await client.get(`${m.base}/assets/admin.css`);
      expect(css.headers.get('content-type')).toMatch(/text\/css/);
      expect(css.text).not.toMatch(/url\(|@import|https?:/);
      const js = await client.get(`${m.base}/assets/admin.js`);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
    });

    it('sets the session cookie scoped to the mount path, HttpOnly and SameSite=Strict', async () => {
      const { m } = await setup();
      const r = await fetch(`${m.origin}${m.base}/flags`);
      const c = r.headers.getSetCookie().find((x) => x.startsWith('pd_admin_session='));
      expect(c).toBeDefined();
      expect(c).toContain(`Path=${m.base || '/'}`);
      expect(c).toContain('HttpOnly');
      expect(c).toContain('SameSite=Strict');
    });

    it('toggles a flag with a same-origin POST carrying the token, and the app sees it at once', async () => {
      const { d, m, client } = await setup();
      const token = tokenOf((await client.get(`${m.base}/flags`)).text);
      expect(d.flags.isEnabled('dark-mode', { userId: 'x' })).toBe(false);
      const r = await client.post(`${m.base}/flags/dark-mode/toggle`, { _csrf: token, enabled: 'true', back: 'flags' });
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(`${m.base}/flags#flag-dark-mode`);
      expect(d.flags.isEnabled('dark-mode', { userId: 'x' })).toBe(true);
      const back = await client.post(`${m.base}/flags/dark-mode/toggle`, { _csrf: token, enabled: 'false', back: 'https://evil.example/' });
      expect(back.headers.get('location')).toBe(`${m.base}/flags#flag-dark-mode`); // an open redirect is not followed
      expect(d.flags.isEnabled('dark-mode', { userId: 'x' })).toBe(false);
    });

    it.each([
      ['no token', () => ({ form: { enabled: 'true' } as Record<string, string>, headers: {} as Record<string, string | undefined> }), /no CSRF token/],
      ['a wrong token', () => ({ form: { enabled: 'true', _csrf: 'A'.repeat(43) }, headers: {} }), /does not match/],
      ['a wrong Origin', (t: string) => ({ form: { enabled: 'true', _csrf: t }, headers: { origin: 'http://evil.example' } }), /cross-origin/],
      ['Origin null', (t: string) => ({ form: { enabled: 'true', _csrf: t }, headers: { origin: 'null' } }), /Origin: null/],
      ['neither Origin nor Referer', (t: string) => ({ form: { enabled: 'true', _csrf: t }, headers: { origin: undefined } }), /neither Origin nor Referer/],
      ['a foreign Referer', (t: string) => ({ form: { enabled: 'true', _csrf: t }, headers: { origin: undefined, referer: 'http://evil.example/page' } }), /Referer/],
      ['Sec-Fetch-Site: cross-site', (t: string) => ({ form: { enabled: 'true', _csrf: t }, headers: { 'sec-fetch-site': 'cross-site' } }), /Sec-Fetch-Site/],
    ])('refuses a write with %s (403) and writes nothing', async (_name, make, msg) => {
      const { d, m, client } = await setup();
      const token = tokenOf((await client.get(`${m.base}/flags`)).text);
      const { form, headers } = make(token);
      const r = await client.post(`${m.base}/flags/dark-mode/toggle`, form, headers);
      expect(r.status).toBe(403);
      expect(r.text).toMatch(msg);
      expect(d.flags.get('dark-mode')!.enabled).toBe(false);
    });

    it("refuses another session's token", async () => {
      const { d, m, client } = await setup();
      const other = new Client(m.origin);
      const stolen = tokenOf((await other.get(`${m.base}/flags`)).text);
      await client.get(`${m.base}/flags`);
      const r = await client.post(`${m.base}/flags/dark-mode/toggle`, { enabled: 'true', _csrf: stolen });
      expect(r.status).toBe(403);
      expect(d.flags.get('dark-mode')!.enabled).toBe(false);
    });

    it('accepts a same-origin Referer without Origin, and JSON with the X-CSRF-Token header', async () => {
      const { d, m, client } = await setup();
      const token = tokenOf((await client.get(`${m.base}/flags`)).text);
      const r = await client.post(`${m.base}/flags/dark-mode/toggle`, { enabled: 'true', _csrf: token }, { origin: undefined, referer: `${m.origin}${m.base}/flags` });
      expect(r.status).toBe(303);
      const j = await client.postJson(`${m.base}/flags/dark-mode/toggle`, { enabled: false }, { 'x-csrf-token': token });
      expect(j.status).toBe(200);
      expect(JSON.parse(j.text)).toEqual({ key: 'dark-mode', enabled: false });
      expect(d.flags.get('dark-mode')!.enabled).toBe(false);
    });

    it('edits percentage and targets; the evaluation follows', async () => {
      const { d, m, client } = await setup();
      const page = await client.get(`${m.base}/flags/new-checkout-flow`);
      const token = tokenOf(page.text);
      const fp = /name="fingerprint" value="([^"]+)"/.exec(page.text)![1]!;
      const r = await client.post(`${m.base}/flags/new-checkout-flow`, { _csrf: token, fingerprint: fp, description: 'Saved cards', percentage: '100', 'targets.on': 'u1\nu2, u3', 'targets.off': 'vip' });
      expect(r.status).toBe(303);
      const def = d.flags.get('new-checkout-flow')!;
      expect(def.fallthrough).toEqual({ variant: 'on' });
      expect(def.targets).toEqual({ on: ['u1', 'u2', 'u3'], off: ['vip'] });
      expect(def.description).toBe('Saved cards');
      expect(d.flags.isEnabled('new-checkout-flow', { userId: 'anyone' })).toBe(true);
      expect(d.flags.isEnabled('new-checkout-flow', { userId: 'vip' })).toBe(false);
    });

    it('shows a form error inline next to its field and writes nothing', async () => {
      const { d, m, client } = await setup();
      const before = d.flags.get('new-checkout-flow');
      const token = tokenOf((await client.get(`${m.base}/flags/new-checkout-flow`)).text);
      const r = await client.post(`${m.base}/flags/new-checkout-flow`, { _csrf: token, percentage: '150', 'targets.on': 'u1', 'targets.off': '' });
      expect(r.status).toBe(422);
      const field = /<div class="field invalid"><label for="f-percentage">[\s\S]*?<\/div><\/div>/.exec(r.text)?.[0] ?? '';
      expect(field).toMatch(/data-error-for="percentage"[^>]*>enter a number from 0 to 100/);
      expect(field).toContain('value="150"'); // what was typed stays
      expect(d.flags.get('new-checkout-flow')).toEqual(before);
    });

    it("shows the library's ValidationError issues next to the fields their paths name", async () => {
      const { d, m, client } = await setup();
      const before = d.flags.get('new-checkout-flow');
      const token = tokenOf((await client.get(`${m.base}/flags/new-checkout-flow`)).text);
      const r = await client.post(`${m.base}/flags/new-checkout-flow`, { _csrf: token, 'targets.on': 'u1\nu9', 'targets.off': 'u9' });
      expect(r.status).toBe(422);
      expect(r.text).toMatch(/data-error-for="targets\.off"[^>]*>userId &#39;u9&#39; is also targeted to &#39;on&#39;/);
      expect(d.flags.get('new-checkout-flow')).toEqual(before);
      // a multi-variant flag: weights per variant
      const t2 = tokenOf((await client.get(`${m.base}/flags/search-ranking`)).text);
      const w = await client.post(`${m.base}/flags/search-ranking`, { _csrf: t2, 'weight.bm25': '0', 'weight.learned': 'lots' });
      expect(w.status).toBe(422);
      expect(w.text).toMatch(/data-error-for="weight\.learned"/);
      const ok = await client.post(`${m.base}/flags/search-ranking`, { _csrf: t2, 'weight.bm25': '50', 'weight.learned': '50' });
      expect(ok.status).toBe(303);
      expect(d.flags.get('search-ranking')!.fallthrough).toEqual({ split: [{ variant: 'bm25', weight: 50 }, { variant: 'learned', weight: 50 }] });
    });

    it('refuses an edit based on a version someone else changed since (409), keeping their change', async () => {
      const { d, m, client } = await setup();
      const page = await client.get(`${m.base}/flags/new-checkout-flow`);
      const fp = /name="fingerprint" value="([^"]+)"/.exec(page.text)![1]!;
      await d.flags.update('new-checkout-flow', (f) => ({ ...f, description: 'edited elsewhere' }));
      const r = await client.post(`${m.base}/flags/new-checkout-flow`, { _csrf: tokenOf(page.text), fingerprint: fp, description: 'mine' });
      expect(r.status).toBe(409);
      expect(r.text).toMatch(/changed by someone else/);
      expect(d.flags.get('new-checkout-flow')!.description).toBe('edited elsewhere');
    });

    it('escapes every value: a description holding <script> renders as text', async () => {
      const { d, m, client } = await setup();
      const evil = '<script>alert("xss")</script><img src=x onerror=alert(1)>';
      await d.flags.put({ ...booleanFlag('xss-flag'), description: evil, tags: ['"><b>t</b>'] });
      await d.experiments.put({ key: 'xss-exp', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], description: evil });
      const s = d.shadow<number, unknown>({ name: 'xss-shadow', primary: () => ({ v: evil }), shadow: () => ({ v: `${evil}!` }) });
      await s.call(1);
      await waitFor(() => s.stats().mismatched === 1, 'the mismatch');
      for (const p of ['/flags', '/flags/xss-flag', '/flags?q=%3Cscript%3E', '/experiments', '/experiments/xss-exp', '/shadows']) {
        const r = await client.get(m.base + p);
        expect(r.status, p).toBe(200);
        expect(r.text, p).not.toContain('<script>alert');
        expect(r.text, p).not.toContain('<img src=x');
        expect(r.text, p).not.toContain('<b>t</b>');
      }
      expect((await client.get(`${m.base}/flags/xss-flag`)).text).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;');
    });

    it('caps the body size (413) and rejects other content types (415)', async () => {
      const { m, client } = await setup({ insecure: true, bodyLimit: 2048 });
      const token = tokenOf((await client.get(`${m.base}/flags`)).text);
      const big = await client.post(`${m.base}/flags/dark-mode`, { _csrf: token, description: 'x'.repeat(5000) });
      expect(big.status).toBe(413);
      const xml = await client.post(`${m.base}/flags/dark-mode/toggle`, { _csrf: token }, { 'content-type': 'text/xml' });
      expect(xml.status).toBe(415);
    });

    it('answers 404 for unknown pages and flags, 405 for wrong methods', async () => {
      const { m, client } = await setup();
      expect((await client.get(`${m.base}/flags/nope`)).status).toBe(404);
      expect((await client.get(`${m.base}/whatever`)).status).toBe(404);
      const token = tokenOf((await client.get(`${m.base}/flags`)).text);
      const wrong = await client.post(`${m.base}/shadows`, { _csrf: token });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET, HEAD');
      expect((await client.get(`${m.base}/flags/dark-mode/toggle`)).headers.get('allow')).toBe('POST');
      const r = await client.post(`${m.base}/flags/nope/toggle`, { _csrf: token, enabled: 'true' });
      expect(r.status).toBe(404);
    });

    it('sends a change event after a store change, and unsubscribes when the client disconnects', async () => {
      const clock = createManualClock(START);
      const store = new CountingStore(clock);
      const d = createDelivery({ store, clock, metrics: { flushInterval: 0 } });
      await d.ready();
      const { m, client } = await setup({ insecure: true }, d);
      await client.get(`${m.base}/flags`);
      const before = store.openWatches;
      const text = await readEvents(`${m.origin}${m.base}/events`, { cookie: `pd_admin_session=${client.cookies.get('pd_admin_session')}` }, (t) => t.includes('"key":"fresh"'), async () => {
        expect(store.openWatches).toBeGreaterThan(before);
        await d.flags.put(booleanFlag('fresh'));
      });
      expect(text).toMatch(/event: change\ndata: \{"ns":"flags","key":"fresh","deleted":false\}/);
      await waitFor(() => store.openWatches === before, 'the stream to unsubscribe');
      await store.inner.close();
    });

    it('acts on a rollout: promote through the page moves the canary on', async () => {
      const { d, m, client } = await setup();
      const c = d.rollouts.canary({ name: 'api', stable: () => 1, canary: () => 2, analysis: { interval: '1m', threshold: 2, stepWeights: [10, 50], metrics: [] } });
      await c.runAnalysis();
      const page = await client.get(`${m.base}/rollouts`);
      expect(page.text).toMatch(/data-testid="phase-api">Progressing/);
      expect(page.text).toMatch(/data-testid="resume-api" disabled/);
      const r = await client.post(`${m.base}/rollouts/api/action`, { _csrf: tokenOf(page.text), action: 'promote' });
      expect(r.status).toBe(303);
      expect(['Promoting', 'Succeeded']).toContain(c.status().phase);
      const bad = await client.post(`${m.base}/rollouts/api/action`, { _csrf: tokenOf(page.text), action: 'explode' });
      expect(bad.status).toBe(400);
      const refused = await client.post(`${m.base}/rollouts/api/action`, { _csrf: tokenOf(page.text), action: 'resume' });
      expect(refused.status).toBe(409);
      expect(refused.text).toMatch(/Could not resume/);
    });

    it("requests the action through the store for a rollout another process runs", async () => {
      const clock = createManualClock(START);
      const store = new CountingStore(clock);
      const runner = createDelivery({ store, clock, metrics: { flushInterval: 0 } });
      await runner.ready();
      const c = runner.rollouts.canary({ name: 'remote', stable: () => 1, canary: () => 2, analysis: { interval: '1m', threshold: 2, stepWeight: 20, metrics: [] } });
      await c.runAnalysis();
      const admin = createDelivery({ store, clock, metrics: { flushInterval: 0 } });
      await admin.ready();
      const { m, client } = await setup({ insecure: true }, admin);
      const page = await client.get(`${m.base}/rollouts`);
      expect(page.text).toMatch(/data-rollout="remote"/);
      const r = await client.postJson(`${m.base}/rollouts/remote/action`, { action: 'pause' }, { 'x-csrf-token': tokenOf(page.text) });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text)).toMatchObject({ rollout: 'remote', action: 'pause', requested: true });
      // the process running the rollout applies the request it finds in the store
      await waitFor(() => c.status().phase === 'Paused', 'the runner to apply the pause');
      expect((await store.get('rollouts/remote'))!.value).toMatchObject({ phase: 'Paused', requestedAction: null });
      await runner.close();
      await store.inner.close();
    });

    it('shows the SRM warning when the units do not match the weights', async () => {
      const { d, m, client } = await setup();
      await d.experiments.put({ key: 'skewed', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], metrics: [{ key: 'buy', type: 'binomial' }] });
      await d.context.store.increment('exp-counters/skewed', 'units:a', 1000);
      await d.context.store.increment('exp-counters/skewed', 'units:b', 700);
      await d.context.store.increment('exp-counters/skewed', 'conv:buy:a', 100);
      await d.context.store.increment('exp-counters/skewed', 'conv:buy:b', 90);
      const r = await client.get(`${m.base}/experiments/skewed`);
      expect(r.text).toMatch(/data-testid="srm-warning"/);
      expect(r.text).toMatch(/data-comparison="b:buy"/);
      expect(r.text).toContain('+28.6%'); // (90/700) / (100/1000) - 1
      expect((await client.get(`${m.base}/experiments`)).text).toMatch(/badge bad">SRM/);
    });

    it('answers 503 instead of hanging while the delivery is not ready, and 400 for malformed JSON', async () => {
      const d = createDelivery({ clock: createManualClock(START) });
      const { m, client } = await setup({ insecure: true }, d);
      const r = await client.get(`${m.base}/experiments`);
      expect(r.status).toBe(503);
      expect(r.text).toMatch(/delivery\.ready\(\)/);
      await d.ready();
      const token = tokenOf((await client.get(`${m.base}/flags`)).text);
      const bad = await fetch(`${m.origin}${m.base}/flags/x/toggle`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: m.origin, cookie: `pd_admin_session=${client.cookies.get('pd_admin_session')}`, 'x-csrf-token': token },
        body: '{nope',
      });
      expect(bad.status).toBe(400);
    });

    it("samples the experiment's cumulative rate on the delivery's clock and draws one point per sample", async () => {
      const { delivery: d, clock } = await flagsDelivery();
      const { m, client } = await setup({ insecure: true, historyInterval: '1m' }, d);
      await d.experiments.put({ key: 'e', variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }], metrics: [{ key: 'buy', type: 'binomial' }] });
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 50; i++) {
          const u = { userId: `r${round}-${i}` };
          if (d.experiments.assign('e', u).variant && i % (round + 2) === 0) d.experiments.track('e', u, 'buy');
        }
        await d.flush();
        await clock.advanceAsync(60_000);
      }
      const svg = /<figure class="chart">[\s\S]*?<\/figure>/.exec((await client.get(`${m.base}/experiments/e`)).text)![0];
      expect(svg.match(/<circle /g)).toHaveLength(6); // 3 samples x 2 variants (the page view replaces the last sample)
      expect(svg).toMatch(/<title>a: \d+\.\d%<\/title>/);
    });

    it('draws the weight timeline from the store and stops its timers on close()', async () => {
      const { delivery: d, clock } = await flagsDelivery();
      const pendingBefore = clock.pending();
      const { m, client } = await setup({ insecure: true }, d);
      expect(clock.pending()).toBe(pendingBefore + 1); // the results sampler
      const c = d.rollouts.canary({ name: 'tl', stable: () => 1, canary: () => 2, analysis: { interval: '1m', threshold: 2, stepWeights: [10, 30], metrics: [] } });
      await c.runAnalysis();
      await clock.advanceAsync(30_000);
      await c.runAnalysis();
      const card = /<section class="card" id="rollout-tl"[\s\S]*?<\/section>/.exec((await client.get(`${m.base}/rollouts`)).text)![0];
      expect(card.match(/<circle /g)!.length).toBeGreaterThanOrEqual(2);
      expect(card).toContain('<title>weight %: 30%</title>');
      expect(card).toContain('<title>weight %: 10%</title>');
      const running = clock.pending();
      await m.close();
      expect(clock.pending()).toBe(running - 1); // the sampler is gone
    });

    it('serves only the <main> content to the live-refresh request', async () => {
      const { m, client } = await setup();
      const r = await client.get(`${m.base}/flags`, { 'x-pd-fragment': '1' });
      expect(r.headers.get('x-pd-fragment')).toBe('1');
      expect(r.text.startsWith('<h1>Flags</h1>')).toBe(true);
      expect(r.text).not.toContain('<html');
    });

    it('filters the flag list by ?q= on key, description and tag, case-insensitively', async () => {
      const { d, m, client } = await setup();
      await d.flags.put({ ...booleanFlag('billing-v2'), tags: ['Payments'] });
      const listed = async (q: string): Promise<string[]> => {
        const r = await client.get(`${m.base}/flags?q=${encodeURIComponent(q)}`);
        expect(r.status, q).toBe(200);
        return [...r.text.matchAll(/<tr id="flag-[^"]*" data-flag="([^"]+)"/g)].map((x) => x[1]!);
      };
      expect(await listed('')).toEqual(['billing-v2', 'dark-mode', 'new-checkout-flow', 'search-ranking']);
      expect(await listed('DARK')).toEqual(['dark-mode']); // key
      expect(await listed('ranking model')).toEqual(['search-ranking']); // description
      expect(await listed('payments')).toEqual(['billing-v2']); // tag
      expect(await listed('checkout')).toEqual(['new-checkout-flow']);
      const none = await client.get(`${m.base}/flags?q=zzz`);
      expect(none.text).not.toMatch(/data-flag=/);
      expect(none.text).toContain('No flag matches &#39;zzz&#39;.');
      expect((await client.get(`${m.base}/flags?q=dark`)).text).toMatch(/<input type="search" name="q" value="dark"/); // the box keeps the query
    });

    it('shows the match rate and the last mismatches, newest first, with their diffs', async () => {
      const { d, m, client } = await setup();
      const s = d.shadow<{ id: number }, Record<string, unknown>>({
        name: 'prices',
        primary: (r) => ({ id: r.id, price: 10 }),
        // call 3: a changed price; call 6: a field only the shadow has; the other six match
        shadow: (r) => (r.id === 3 ? { id: r.id, price: 12 } : r.id === 6 ? { id: r.id, price: 10, promo: 'SPRING' } : { id: r.id, price: 10 }),
      });
      for (let id = 1; id <= 8; id++) await s.call({ id });
      await waitFor(() => s.stats().matched + s.stats().mismatched === 8, 'every comparison');
      const card = elementOf((await client.get(`${m.base}/shadows`)).text, 'section', 'data-shadow="prices"');
      expect(card).toMatch(/data-testid="match-rate-prices">75%</); // 6 of 8
      const shown = [...card.matchAll(/<details class="mismatch"[\s\S]*?<\/details>/g)].map((x) => x[0]);
      expect(shown).toHaveLength(2);
      const [newest, older] = shown as [string, string];
      expect(newest).toMatch(/^<details class="mismatch" open>/);
      expect(decodeEntities(newest)).toContain('{"id":6}'); // the request
      const added = [...newest.matchAll(/<tr><td>[\s\S]*?<\/tr>/g)].map((x) => cellsOf(x[0]));
      expect(added).toEqual([['promo', 'added', '', '"SPRING"']]);
      expect(older).not.toMatch(/ open>/);
      expect(decodeEntities(older)).toContain('{"id":3}');
      const changed = [...older.matchAll(/<tr><td>[\s\S]*?<\/tr>/g)].map((x) => cellsOf(x[0]));
      expect(changed).toEqual([['price', 'changed', '10', '12']]);
    });

    it('shows the success rate and p99 of each version from the recorded traffic', async () => {
      const { d, m, client } = await setup();
      d.rollouts.canary({ name: 'api', stable: () => 1, canary: () => 2, analysis: { interval: '1m', threshold: 2, stepWeight: 10, metrics: [] } });
      // stable: 200 requests, 2 failed, p99 = the 198th smallest = 50 ms (p50 10 ms)
      for (let i = 0; i < 200; i++) d.metrics.record({ target: 'api', version: 'stable', success: i >= 2, durationMs: i < 196 ? 10 : 50 });
      // canary: 100 requests, 10 failed, p99 = the 99th smallest = 300 ms (p50 20 ms)
      for (let i = 0; i < 100; i++) d.metrics.record({ target: 'api', version: 'canary', success: i >= 10, durationMs: i < 97 ? 20 : 300 });
      const card = elementOf((await client.get(`${m.base}/rollouts`)).text, 'section', 'data-rollout="api"');
      const msOf = (cell: string): number => Number(/^([\d.]+) ms$/.exec(cell)?.[1]);
      // columns: version, requests, errors, success rate, p50, p99; latencies come from a histogram within 0.8%
      const stable = cellsOf(elementOf(card, 'tr', 'data-version="stable"'));
      expect(stable.slice(0, 4)).toEqual(['stable', '200', '2', '99%']);
      expect(Math.abs(msOf(stable[4]!) - 10) / 10).toBeLessThan(0.01);
      expect(Math.abs(msOf(stable[5]!) - 50) / 50).toBeLessThan(0.01);
      const canary = cellsOf(elementOf(card, 'tr', 'data-version="canary"'));
      expect(canary.slice(0, 4)).toEqual(['canary', '100', '10', '90%']);
      expect(Math.abs(msOf(canary[4]!) - 20) / 20).toBeLessThan(0.01);
      expect(Math.abs(msOf(canary[5]!) - 300) / 300).toBeLessThan(0.01);
    });

    it('pauses, resumes and aborts a rollout through its buttons, and the page follows the phase', async () => {
      const { d, m, client } = await setup();
      const c = d.rollouts.canary({ name: 'api', stable: () => 1, canary: () => 2, analysis: { interval: '1m', threshold: 2, stepWeights: [10, 50], metrics: [] } });
      await c.runAnalysis();
      const act = async (action: string): Promise<string> => {
        const page = await client.get(`${m.base}/rollouts`);
        const r = await client.post(`${m.base}/rollouts/api/action`, { _csrf: tokenOf(page.text), action, reason: `${action} from the test` });
        expect(r.status, action).toBe(303);
        expect(r.headers.get('location')).toBe(`${m.base}/rollouts#rollout-api`);
        return (await client.get(`${m.base}/rollouts`)).text;
      };
      let page = await act('pause');
      expect(c.status().phase).toBe('Paused');
      expect(page).toMatch(/data-testid="phase-api">Paused</);
      expect(page).toMatch(/data-testid="resume-api">/); // enabled now
      expect(page).toMatch(/data-testid="pause-api" disabled/);
      page = await act('resume');
      expect(c.status()).toMatchObject({ phase: 'Progressing', weight: 10 });
      expect(page).toMatch(/data-testid="phase-api">Progressing</);
      expect(page).toMatch(/data-testid="resume-api" disabled/);
      page = await act('abort');
      expect(c.status()).toMatchObject({ phase: 'Failed', weight: 0 });
      expect(c.status().message).toMatch(/aborted: abort from the test/);
      expect(page).toMatch(/data-testid="phase-api">Failed</);
      expect(page).toMatch(/data-testid="weight-api">0%</);
      for (const a of ['promote', 'pause', 'resume', 'abort']) expect(page).toMatch(new RegExp(`data-testid="${a}-api" disabled`));
    });

    it("shows each comparison's confidence interval and p-values as experiments.results() computes them", async () => {
      const { d, m, client } = await setup();
      await d.experiments.put({
        key: 'cta',
        variants: [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }, { key: 'c', weight: 1 }],
        metrics: [{ key: 'buy', type: 'binomial' }, { key: 'spend', type: 'continuous' }],
      });
      // b converts at about 25% and spends 4 more, c about as a (10%): one significant comparison per metric, one not
      for (let i = 0; i < 900; i++) {
        const u = { userId: `cta-${i}` };
        const v = d.experiments.assign('cta', u).variant;
        if (!v || i % ({ a: 10, b: 4, c: 9 }[v] ?? 1) !== 0) continue;
        d.experiments.track('cta', u, 'buy');
        d.experiments.track('cta', u, 'spend', 10 + (i % 13) + (v === 'b' ? 4 : 0));
      }
      await d.flush();
      const page = (await client.get(`${m.base}/experiments/cta`)).text;
      const r = await d.experiments.results('cta', { alpha: 0.05 });
      expect(page).toMatch(/<th class="num">95% CI<\/th>/);
      expect(r.comparisons).toHaveLength(4);
      expect(r.comparisons.map((c) => c.significant).sort()).toEqual([false, false, true, true]);
      for (const c of r.comparisons) {
        // columns: variant, metric, difference, lift, CI, p-value, adjusted p, significant
        const cells = cellsOf(elementOf(page, 'tr', `data-comparison="${c.variant}:${c.metric}"`));
        const binomial = c.metric === 'buy';
        const bounds = /^\[(-?[\d.]+)%?, (-?[\d.]+)%?\]$/.exec(cells[4]!);
        expect(bounds, cells[4]).not.toBeNull();
        const scale = binomial ? 100 : 1; // rates show as percents with 2 decimals, means with 3
        const digits = binomial ? 2 : 3;
        expect(Number(bounds![1])).toBeCloseTo(c.ci[0] * scale, digits);
        expect(Number(bounds![2])).toBeCloseTo(c.ci[1] * scale, digits);
        expect(c.ci[0]).toBeLessThan(c.ci[1]);
        // p-values show four decimals, or two significant digits below 1e-4
        const shownAs = (cell: string, p: number): void => expect(Math.abs(Number(cell) - p), `${cell} vs ${p}`).toBeLessThanOrEqual(p < 1e-4 ? p * 0.05 : 5e-5);
        shownAs(cells[5]!, c.pValue);
        shownAs(cells[6]!, c.adjustedPValue);
        expect(cells[7]).toBe(c.significant ? 'yes' : 'no');
      }
      // holm over two variants: the smallest p doubles, so swapped p-value cells would show
      expect(r.comparisons.some((c) => c.adjustedPValue > 1.5 * c.pValue)).toBe(true);
    });

    it("sends the heartbeat tick on the delivery's clock, re-armed each time, and clears it when the client leaves", async () => {
      const { delivery: d, clock } = await flagsDelivery();
      // an hour between ticks: only the manual clock can make them come during the test
      const { m, client } = await setup({ insecure: true, liveInterval: 3_600_000 }, d);
      await client.get(`${m.base}/flags`);
      const before = clock.pending();
      const text = await readEvents(`${m.origin}${m.base}/events`, { cookie: `pd_admin_session=${client.cookies.get('pd_admin_session')}` }, (t) => t.split('event: tick').length - 1 === 2, async () => {
        expect(clock.pending()).toBe(before + 1);
        await clock.advanceAsync(3_600_000);
        await clock.advanceAsync(3_600_000);
      });
      expect(text).toMatch(/event: tick\ndata: \{\}\n\n[\s\S]*event: tick\ndata: \{\}\n\n/);
      await waitFor(() => clock.pending() === before, 'the tick timer to be cleared');
    });
  });
}
