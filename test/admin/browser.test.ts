// The dashboard in a real headless Chromium (Debian's package, driven by playwright-core): every page loads without
// a console error or CSP violation, the live stream connects, a toggle changes isEnabled in the app, a validation
// error shows next to its field, a store change reaches an open page, and Promote moves a canary on.
// UPDATE_SCREENSHOTS=1 also writes docs/img/{flags,experiments,rollouts,shadows}.png.
import express from 'express';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRouter, type ExpressAdminRouter } from '../../src/integrations/express/index.js';
import { listen } from '../integrations/express-koa-helpers.js';
import { fullFixture, type Fixture } from './fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
// locally a missing Chromium skips (with a warning); in CI it fails, so a broken install cannot pass unnoticed
const IN_CI = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const IMG = join(import.meta.dirname, '..', '..', 'docs', 'img');
if (!HAVE_CHROMIUM && !IN_CI) console.warn(`\n!!! test/admin/browser.test.ts SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium) !!!\n`);

describe.runIf(!HAVE_CHROMIUM && IN_CI)('admin dashboard browser tests in CI', () => {
  it('have a Chromium to run in', () => {
    expect.fail(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH; CI does not skip the browser tests`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('admin dashboard in headless Chromium', () => {
  let f: Fixture;
  let router: ExpressAdminRouter;
  let server: { url: string; close: () => Promise<void> };
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  const url = (p: string): string => `${server.url}/delivery/${p}`;

  beforeAll(async () => {
    const app = express();
    f = await fullFixture((d) => {
      router = adminRouter(d, { authorize: (req) => req.get('x-test-admin') === 'yes', liveInterval: 500 });
      app.use('/delivery', router);
    });
    server = await listen(createServer(app));
    profile = mkdtempSync(join(tmpdir(), 'pd-admin-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 800 },
      extraHTTPHeaders: { 'x-test-admin': 'yes' },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      // a 422 is the answer to an invalid form (expected); anything else is a problem
      if (m.type() === 'error' && !/status of 422/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) problems.push(`request to another host: ${r.url()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    router?.close();
    await server?.close();
    await f?.delivery.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('loads every page with no console error, no CSP violation, nothing from another host, and a live stream', async () => {
    for (const [p, heading, charts] of [
      ['flags', 'Flags', false],
      ['experiments', 'Experiments', false],
      ['experiments/checkout-button', 'Experiment checkout-button', true],
      ['rollouts', 'Rollouts', true],
      ['shadows', 'Shadows', false],
    ] as const) {
      const res = await page.goto(url(p));
      expect(res?.status(), p).toBe(200);
      await expect.poll(() => page.textContent('main h1')).toBe(heading);
      await page.waitForSelector('header .live.on', { timeout: 10_000 });
      // a chart is drawn: one line per variant (experiment) or the weight steps (rollout)
      if (charts) expect(await page.locator('figure.chart > svg path').count(), p).toBeGreaterThan(0);
      if (SHOTS && ['flags', 'experiments/checkout-button', 'rollouts', 'shadows'].includes(p)) {
        mkdirSync(IMG, { recursive: true });
        await page.screenshot({ path: join(IMG, `${p.split('/')[0]}.png`), fullPage: true });
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('toggles a flag and the app sees isEnabled change', async () => {
    await page.goto(url('flags'));
    expect(f.delivery.flags.isEnabled('dark-mode', { userId: 'u' })).toBe(false);
    await Promise.all([page.waitForURL(/\/delivery\/flags/), page.click('[data-testid="toggle-dark-mode"]')]);
    await expect.poll(() => f.delivery.flags.isEnabled('dark-mode', { userId: 'u' })).toBe(true);
    await expect.poll(() => page.textContent('[data-testid="toggle-dark-mode"]')).toBe('On');
    expect(problems).toEqual([]);
  }, 30_000);

  it('updates an open page when the store changes (server-sent events)', async () => {
    await page.goto(url('flags'));
    await page.waitForSelector('header .live.on', { timeout: 10_000 });
    await f.delivery.flags.update('search-ranking', (d) => ({ ...d, description: 'Changed by another operator' }));
    await page.waitForSelector('text=Changed by another operator', { timeout: 10_000 });
    expect(page.url()).toBe(url('flags')); // no navigation: the main content was swapped in
  }, 30_000);

  it('shows a validation error next to the field and writes nothing', async () => {
    const before = f.delivery.flags.get('new-checkout-flow');
    await page.goto(url('flags/new-checkout-flow'));
    await page.fill('#f-percentage', '250');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"].primary')]);
    const err = page.locator('.field.invalid [data-error-for="percentage"]');
    await expect.poll(() => err.textContent()).toMatch(/from 0 to 100/);
    expect(await page.inputValue('#f-percentage')).toBe('250');
    expect(f.delivery.flags.get('new-checkout-flow')).toEqual(before);
    await page.fill('#f-percentage', '45');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"].primary')]);
    await expect.poll(() => f.delivery.flags.get('new-checkout-flow')?.fallthrough).toEqual({ split: [{ variant: 'on', weight: 45 }, { variant: 'off', weight: 55 }] });
  }, 30_000);

  it('promotes the canary and its phase changes', async () => {
    await page.goto(url('rollouts'));
    expect(await page.textContent('[data-testid="phase-checkout-api"]')).toBe('Progressing');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid="promote-checkout-api"]')]);
    await expect.poll(() => f.canary.status().phase).toMatch(/Promoting|Succeeded/);
    await expect.poll(() => page.textContent('[data-testid="phase-checkout-api"]')).toMatch(/Promoting|Succeeded/);
    expect(await page.isDisabled('[data-testid="promote-checkout-api"]')).toBe(f.canary.status().phase === 'Succeeded');
    expect(problems).toEqual([]);
  }, 30_000);
});
