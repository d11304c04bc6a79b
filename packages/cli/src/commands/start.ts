import { NEXUS_VERSION } from '@nexus/core';
import { createApp, type NexusApp } from '@nexus/core/host';
import { colors, printReady, say, warn } from '../ui.ts';

/** Options shared by `nexus start` and `nexus dev`. */
export interface ServeOptions {
  port?: number;
  host?: string;
}

/** `nexus start [app]`: run the app until SIGINT/SIGTERM, then stop plugins in reverse order. */
export async function startCommand(appDir: string, options: ServeOptions): Promise<number> {
  const app = await createApp({ appDir, mode: 'start', port: options.port, host: options.host });
  const url = await app.start();
  printReady({ version: NEXUS_VERSION, mode: 'start', url, ms: Math.round(performance.now()), plugins: app.manager.list() });
  return waitForSignal(app);
}

/** Resolve with exit code 0 once a signal arrived and the app stopped cleanly. */
export function waitForSignal(app: NexusApp, beforeStop?: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        warn(colors.red(`${signal} again: exiting without waiting`));
        process.exit(1);
      }
      stopping = true;
      say(colors.dim(`\n  ${signal}: shutting down plugins in reverse dependency order…`));
      const began = performance.now();
      void (async () => {
        await beforeStop?.();
        await app.stop();
        say(colors.dim(`  stopped in ${Math.round(performance.now() - began)} ms`));
        resolve(0);
      })().catch((error: unknown) => {
        warn(colors.red(`  shutdown failed: ${String(error)}`));
        resolve(1);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
