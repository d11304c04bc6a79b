/**
 * The dev dashboard as a person uses it: `nexus dev` on a copy of the playground, the real page in
 * Chromium (playwright-core), files edited on disk. Every view is screenshotted to
 * test-results/dashboard/ (light, dark and narrow), for people and for docs/dashboard-*.png.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.ts';
import { killChildren, makeApp, PLAYGROUND, ROOT, spawnCli, type CliProcess, type TempApp } from './helpers/index.ts';

const SHOTS = path.join(ROOT, 'test-results/dashboard');
const SECRET = 'sk-test-9f8e7d6c5b4a';

let temp: TempApp;
let dev: CliProcess;
let url: string;
let browser: Browser;
let page: Page;
/** Every URL the page asked for: the dashboard needs nothing but its own server. */
const requested = new Set<string>();
/** Milliseconds from writing a plugin file to its swap showing on the page, for the report. */
const timings: Record<string, number> = {};

/** Waits for what the page shows (swaps, handlers, loads take their time on a busy machine). */
function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 15_000 });
}

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `dashboard-${name}.png`), fullPage: true });
}

async function open(view: string): Promise<void> {
  await page.goto(`${url}/_nexus/#${view}`);
  await page.locator('.conn.on').waitFor();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  temp = makeApp();
  cpSync(PLAYGROUND, temp.dir, { recursive: true, filter: (source) => !/[\\/](\.nexus|node_modules)$/.test(source) });
  dev = spawnCli(['dev', temp.dir, '--port', '0'], {
    // Debug level and a fast digest: notifications logs a line every 300 ms, beside my_awesome_plugin's lines.
    env: { NEXUS_MY_AWESOME_PLUGIN_API_KEY: SECRET, NEXUS_USERS_MAX_USERNAME_LENGTH: '24', NEXUS_LOG_LEVEL: 'debug', NEXUS_NOTIFICATIONS_DIGEST_INTERVAL_MS: '300' },
  });
  url = (await dev.waitFor(/Local:\s+(http:\/\/[^\s/]+:\d+)/))[1]!;
  await dev.waitFor(/watching/);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page.on('request', (request) => requested.add(request.url()));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
  await killChildren();
  temp?.remove();
  if (Object.keys(timings).length > 0) writeFileSync(path.join(SHOTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
});

describe('dev dashboard (nexus dev, Chromium)', () => {
  it('GET / leads to the dashboard; the catalog lists the playground plugins with their routes, schemas and graph', async () => {
    await page.goto(`${url}/`);
    expect(new URL(page.url()).pathname).toBe('/_nexus/');
    await page.locator('.conn.on').waitFor();
    for (const [plugin, routes] of Object.entries({
      my_awesome_plugin: ['GET /plugins/my_awesome_plugin/status', 'POST /plugins/my_awesome_plugin/action'],
      users: ['GET /plugins/users/users', 'POST /plugins/users/users', 'GET /plugins/users/users/:id'],
      notifications: ['GET /plugins/notifications/notifications'],
    })) {
      const card = page.locator(`article[data-plugin="${plugin}"]`);
      await poll(() => card.locator('.badge').first().innerText()).toBe('running');
      expect(await card.locator('li.route').evaluateAll((items) => items.map((li) => li.getAttribute('data-route')))).toEqual(routes);
    }
    const users = page.locator('article[data-plugin="users"]');
    await users.locator('li[data-route="POST /plugins/users/users"] summary').click();
    // textContent, not innerText: a live catalog update may re-render the card (closing the details) between click and read.
    await poll(async () => (await users.locator('li[data-route="POST /plugins/users/users"] pre').textContent()) ?? '').toContain('"username"');
    const notifications = await page.locator('article[data-plugin="notifications"] .facts').innerText();
    expect(notifications).toMatch(/Subscribes\s+user\.created, my_awesome_plugin\.action_completed/);
    expect(notifications).toMatch(/Depends on\s+users/);
    expect(await users.locator('.facts').innerText()).toMatch(/Services offered\s+users\.directory/);
    expect(await page.locator('svg.graph g[data-node]').count()).toBe(3);
    expect(await page.locator('svg.graph path.edge').count()).toBe(1);
    await shoot('catalog');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shoot('catalog-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot('catalog-narrow');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow, 'no horizontal scrolling at phone width').toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('the explorer sends a request from a form made from its schema; its trace shows the route, the event and the handler in another plugin', async () => {
    await open(`explorer?route=${encodeURIComponent('POST /plugins/users/users')}`);
    await page.locator('input[name="body-username"]').fill('ada');
    await page.locator('#send').click();
    await poll(() => page.locator('.response-head').innerText()).toMatch(/^201 Created\s+[\d.]+ (ms|s)/);
    expect(JSON.parse(await page.locator('.response-body').innerText())).toMatchObject({ username: 'ada' });
    const trace = page.locator('.trace-box .trace');
    const route = trace.locator('.wf-row[data-kind="request"]');
    await route.waitFor();
    expect(await route.innerText()).toContain('POST /plugins/users/users');
    expect(await route.getAttribute('data-plugin')).toBe('users');
    const event = trace.locator('.wf-row[data-kind="event"]').first();
    expect(await event.innerText()).toContain('user.created');
    expect(await event.getAttribute('data-plugin')).toBe('users');
    // The handler runs after the answer: the trace grows on the page as it happens.
    const handler = trace.locator('.wf-row[data-kind="handler"][data-plugin="notifications"]');
    await handler.waitFor();
    expect(await handler.innerText()).toContain('user.created');
    await trace.locator('.wf-row[data-kind="service"]', { hasText: 'users.directory.get()' }).waitFor();
    await trace.locator('.wf-row[data-kind="event"]', { hasText: 'notifications.sent' }).waitFor();
    await shoot('explorer');

    await open('traces');
    const item = page.locator('.trace-list li', { hasText: 'POST /plugins/users/users' }).first();
    await item.click();
    await page.locator('.detail .wf-row[data-kind="handler"][data-plugin="notifications"]').waitFor();
    await shoot('traces');
  });

  it('an edit to a plugin file appears in the swap timeline; a broken edit shows the error with its code frame', async () => {
    await open('swaps');
    const file = temp.path('plugins/notifications/src/plugin.ts');
    const source = readFileSync(file, 'utf8');
    const swaps = page.locator('li.swap');
    const before = await swaps.count();
    const began = Date.now();
    writeFileSync(file, source.replace("kind: 'welcome'", "kind: 'welcome' /* edited */"));
    await poll(() => swaps.count()).toBe(before + 1);
    timings.editToTimelineMs = Date.now() - began;
    const edited = swaps.first();
    expect(await edited.locator('.cascade').innerText()).toBe('notifications');
    expect(await edited.locator('.badge').first().innerText()).toBe('ok');
    expect(await edited.locator('.phases').innerText()).toMatch(/load [\d.]+ ms\s+shutdown [\d.]+ ms\s+initialize [\d.]+ ms/);

    const brokenAt = Date.now();
    writeFileSync(file, source.replace('override initialize(): boolean {', 'override initialize(): boolean {\n    const = 1;'));
    await poll(() => swaps.count()).toBe(before + 2);
    timings.brokenEditToTimelineMs = Date.now() - brokenAt;
    const broken = swaps.first();
    expect(await broken.locator('.badge').first().innerText()).toBe('rolled back');
    expect(await broken.locator('.error-line').innerText()).toMatch(/plugins\/notifications\/src\/plugin\.ts:\d+:\d+/);
    const frame = await broken.locator('pre.frame').innerText();
    expect(frame).toContain('const = 1;');
    expect(frame).toMatch(/^>\s*\d+ \|/m);
    await page.locator('svg.chart rect.bar').nth(1).waitFor();
    await shoot('swaps');

    writeFileSync(file, source);
    await poll(() => swaps.count()).toBe(before + 3);
    expect(await swaps.first().locator('.badge').first().innerText()).toBe('ok');
  });

  it('a log line appears, filtered by plugin', async () => {
    await open('logs');
    await page.locator('select[name="plugin"]').selectOption('my_awesome_plugin');
    const lines = page.locator('li.log');
    const before = await lines.count();
    const response = await page.evaluate(async () => {
      const answer = await fetch('/plugins/users/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'grace' }) });
      return answer.status;
    });
    expect(response).toBe(201);
    await poll(() => lines.count()).toBeGreaterThan(before);
    expect(await lines.first().innerText()).toContain('New user created: grace');
    const shown = await lines.evaluateAll((items) => items.map((li) => li.getAttribute('data-plugin')));
    expect(new Set(shown)).toEqual(new Set(['my_awesome_plugin']));
    await page.locator('select[name="plugin"]').selectOption('');
    await poll(async () => new Set(await lines.evaluateAll((items) => items.map((li) => li.getAttribute('data-plugin')))).has('notifications')).toBe(true);
    await page.locator('select[name="plugin"]').selectOption('my_awesome_plugin');
    await shoot('logs');
  });

  it('config shows each value with its source: an environment variable, a YAML file, nexus.config, a default; a secret redacted', async () => {
    await open('config');
    const awesome = page.locator('.config[data-plugin="my_awesome_plugin"]');
    const apiKey = awesome.locator('tr[data-key="api_key"]');
    await apiKey.waitFor();
    expect(await apiKey.locator('td.value').innerText()).toBe('[redacted]');
    expect(await apiKey.locator('td.source').innerText()).toBe('NEXUS_MY_AWESOME_PLUGIN_API_KEY');
    expect(await awesome.locator('tr[data-key="max_retries"] td.source').innerText()).toBe('plugins/my_awesome_plugin/config/development.yaml');
    expect(await awesome.locator('tr[data-key="timeout"] td.source').innerText()).toBe('manifest default');
    const length = page.locator('.config[data-plugin="users"] tr[data-key="max_username_length"]');
    expect(await length.locator('td.value').innerText()).toBe('24');
    expect(await length.locator('td.source').innerText()).toBe('NEXUS_USERS_MAX_USERNAME_LENGTH');
    expect(await page.locator('.config[data-plugin="notifications"] tr[data-key="greeting"] td.source').innerText()).toBe('nexus.config.json');
    expect(await page.content()).not.toContain(SECRET);
    await shoot('config');
  });

  it('the disable, enable and reload buttons work', async () => {
    await open('catalog');
    const card = page.locator('article[data-plugin="notifications"]');
    const state = card.locator('.card-state .badge');
    await poll(() => state.innerText()).toBe('running');
    await card.locator('button[data-action="disable"]').click();
    await poll(() => state.innerText()).toBe('disabled');
    expect((await fetch(`${url}/plugins/notifications/notifications`)).status).toBe(503);
    await card.locator('button[data-action="enable"]').click();
    await poll(() => state.innerText()).toBe('running');
    expect((await fetch(`${url}/plugins/notifications/notifications`)).status).toBe(200);

    const users = page.locator('article[data-plugin="users"]');
    await users.locator('button[data-action="reload"]').click();
    await poll(() => users.locator('.card-state').innerText()).toMatch(/1 reload\b/);
    await open('swaps');
    expect(await page.locator('li.swap').first().locator('.cascade').innerText()).toBe('users → notifications');
  });

  it('the page asked nothing of any other server (no CDN, no network)', () => {
    const elsewhere = [...requested].filter((u) => !u.startsWith(`${url}/`) && !u.startsWith('data:'));
    expect(elsewhere).toEqual([]);
    expect([...requested].some((u) => /\/_nexus\/assets\/index-[\w-]+\.js$/.test(u))).toBe(true);
  });

  it('actions refuse other origins and the dashboard refuses other hosts', async () => {
    const post = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${url}/_nexus/api/plugins/users/reload`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({})).status).toBe(403);
    const rebinding = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get(`${url}/_nexus/api/catalog`, { headers: { host: 'evil.example:3000' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    expect(rebinding.status).toBe(403);
    expect((JSON.parse(rebinding.body) as { error: string }).error).toBe('host_not_allowed');
  });
});
