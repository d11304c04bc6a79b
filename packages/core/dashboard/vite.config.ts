import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The dev dashboard: a static page served by the Nexus host at /_nexus/, no network access needed.
export default defineConfig({
  root: here,
  base: '/_nexus/',
  logLevel: 'warn',
  build: {
    outDir: path.resolve(here, '../dist/dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
