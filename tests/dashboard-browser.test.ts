import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type NexusApp } from '@nexus/core/host';
import { launchBrowser } from './helpers/browser.ts';

async function writePlugin(root: string, name: string, source: string): Promise<void> {
  const dir = path.join(root, 'plugins', name);
  await mkdir(path.join(dir, 'src'), { recursive: true });
  const manifest = { name, version: '1.0.0', api_endpoints: [{ method: 'GET', path: '/hello' }] };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(path.join(dir, 'src/plugin.ts'), source);
}

describe('dashboard at GET /', () => {
  let root: string;
  let app: NexusApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'nexus-dash-'));
    await writePlugin(root, 'greeter', `import { BasePlugin } from '@nexus/core';
export default class extends BasePlugin {
  routes(router) { router.get('/hello', (ctx) => { ctx.body = { hi: true }; }); }
}`);
    await writePlugin(root, 'broken', `import { BasePlugin } from '@nexus/core';
export default class extends BasePlugin { initialize() { throw new Error('database unreachable'); } }`);
    app = await createApp({ appDir: root, port: 0, logSink: () => {}, catchPluginFaults: false });
    url = await app.start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('shows every plugin with its state, error and endpoints, live from /plugins', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.locator('#plugins tr').nth(1).waitFor();
    const rows = await page.locator('#plugins tr').allInnerTexts();
    expect(rows.find((r) => r.includes('greeter'))).toMatch(/running/);
    const broken = rows.find((r) => r.includes('broken'));
    expect(broken).toMatch(/failed/);
    expect(broken).toContain('database unreachable');
    const summary = await page.locator('#summary').innerText();
    expect(summary).toContain('1 running');
    expect(summary).toContain('1 failed');
    await page.getByRole('link', { name: 'GET /plugins/greeter/hello' }).click();
    expect(await page.locator('body').innerText()).toContain('"hi":true');
    await page.close();
  });

  it('shows each plugin\'s traffic, updated live', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    const greeter = page.locator('#plugins tr', { hasText: 'greeter' }).locator('td.traffic');
    await greeter.waitFor();
    const before = Number(/^(\d+) req/.exec(await greeter.innerText())![1]);
    for (let i = 0; i < 3; i++) await fetch(`${url}/plugins/greeter/hello`);
    // The page polls /plugins every second.
    await expect
      .poll(() => greeter.innerText(), { timeout: 5_000 })
      .toMatch(new RegExp(`^${before + 3} req · [\\d.]+ ms avg\\n0 events out$`));
    await page.close();
  });
});
