import path from 'node:path';
import { NEXUS_VERSION } from '@nexus/core';
import { createApp, createHotReloader, watchApp, type AppConfigReport, type ManifestChange } from '@nexus/core/host';
import { formatSwap, formatTrace } from '../hot/report.ts';
import { colors, printReady, say, warn } from '../ui.ts';
import { waitForSignal, type ServeOptions } from './start.ts';

/**
 * `nexus dev [app]`: run the app like `nexus start` (development config), watch every plugin
 * folder and hot-swap a plugin in process when its code, config or manifest changes, or when its
 * overrides in nexus.config change. Ctrl-C stops the watchers, then shuts the plugins down like
 * `nexus start`.
 */
export async function devCommand(appDir: string, options: ServeOptions): Promise<number> {
  const app = await createApp({ appDir, mode: 'dev', port: options.port, host: options.host });
  let url: string;
  try {
    url = await app.start();
  } catch (error) {
    await app.stop().catch(() => undefined);
    throw error;
  }
  const hot = createHotReloader(app, {
    onReport: (report) => {
      const lines = formatSwap(report);
      const trace = process.env.NEXUS_LOG_LEVEL === 'debug' ? formatTrace(report) : undefined;
      if (trace) lines.push(trace);
      (report.outcome === 'ok' && !report.error ? say : warn)(lines.join('\n'));
    },
    onManifestChange: regenerateTypes,
    onWarning: (message) => warn(colors.yellow(`  ${message}`)),
  });
  const { root, only } = app.manager.pluginsLocation;
  const watcher = await watchApp(app, hot, {
    onAppConfig: reportAppConfig,
    onError: (error) => warn(colors.yellow(`  watcher: ${String(error)}`)),
  });
  printReady({ version: NEXUS_VERSION, mode: 'dev', url, ms: Math.round(performance.now()), plugins: app.manager.list() });
  const watched = only === undefined ? root : path.join(root, only);
  say(`  ${colors.dim('watching')} ${path.relative(process.cwd(), watched) || '.'}${colors.dim(' for changes; Ctrl-C to stop')}`);
  say();
  return waitForSignal(app, async () => {
    await watcher.close();
    await hot.close();
  });
}

/** One line (or a few) for a re-read nexus.config; the swaps it starts print their own lines. */
function reportAppConfig({ file, reconfigured, restart, problems }: AppConfigReport): void {
  if (problems.length > 0) {
    const details = problems.map((problem) => `    ${problem}`);
    warn([`  ${colors.red('✗')} ${file}: not applied, the app keeps its previous config`, ...details].join('\n'));
    return;
  }
  if (reconfigured.length > 0) say(`  ${colors.dim(`${file} changed: ${reconfigured.join(', ')}`)}`);
  if (restart.length > 0) warn(colors.yellow(`  ${file}: restart nexus dev to apply ${restart.join(', ')}`));
}

/**
 * Regenerate `nexus.generated.ts` of a plugin whose manifest changed. The generator loads on the
 * first manifest change (~0.3 s, once): loading it in the background would stall the event loop
 * just as the first code edits are served.
 */
async function regenerateTypes(plugin: ManifestChange): Promise<void> {
  const { generatePluginTypes } = await import('../typegen/index.ts');
  const { file, changed } = await generatePluginTypes(plugin);
  if (changed) say(`  ${colors.dim(`types regenerated: ${path.relative(process.cwd(), file)}`)}`);
}
