/**
 * A headless Chromium for browser tests, found without a system install: the one shipped inside
 * the @sparticuz/chromium npm package (unpacked to the temp folder on first use), else a system
 * Chromium. `CHROMIUM_PATH` picks one explicitly. Never a silent skip: when none starts, the error
 * says what was tried and how to fix it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Flags for a sandboxed CI container: no sandbox (root), no GPU, no network of its own. */
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Launch the first Chromium that starts. */
export async function launchBrowser(): Promise<Browser> {
  const tried: string[] = [];
  for (const candidate of await candidates()) {
    try {
      return await chromium.launch({ executablePath: candidate.path, args: ARGS });
    } catch (error) {
      tried.push(`${candidate.label} (${candidate.path}): ${String(error).split('\n')[0]}`);
    }
  }
  throw new Error(
    `No Chromium could be started for the browser tests. Tried:\n  ${tried.join('\n  ') || '(none found)'}\n` +
      'Run `npm ci` (it installs @sparticuz/chromium), install a system Chromium (e.g. `apt-get install chromium`), or set CHROMIUM_PATH.',
  );
}

async function candidates(): Promise<{ label: string; path: string }[]> {
  if (process.env.CHROMIUM_PATH) return [{ label: 'CHROMIUM_PATH', path: process.env.CHROMIUM_PATH }];
  const found: { label: string; path: string }[] = [];
  try {
    const { default: packaged } = await import('@sparticuz/chromium');
    found.push({ label: '@sparticuz/chromium', path: await packaged.executablePath() });
  } catch (error) {
    found.push({ label: '@sparticuz/chromium', path: `unavailable: ${String(error).split('\n')[0]}` });
  }
  for (const path of SYSTEM) if (existsSync(path)) found.push({ label: 'system Chromium', path });
  return found;
}
