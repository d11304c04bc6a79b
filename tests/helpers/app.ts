/**
 * Temp Nexus apps for end-to-end tests: write plugins from inline sources, start the app in-process
 * on port 0 with a memory log sink, stop it and remove the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LogRecord } from '@nexus/core';
import { createApp, createMemorySink, type CreateAppOptions, type NexusApp } from '@nexus/core/host';
import { fetchJson, type JsonResponse } from './http.ts';

/** One plugin folder. */
export interface PluginSpec {
  /**
   * manifest.json: fields merged over `{ name: <folder>, version: '1.0.0', nexus_version: '>=0.1.0' }`
   * (a field set to `undefined` is left out), or raw text written as is (for malformed JSON).
   */
  manifest?: Record<string, unknown> | string;
  /** The entry module `src/plugin.ts`; see `pluginSource()`. Omit to write no entry file. */
  source?: string;
  /** Other files, by path relative to the plugin folder (e.g. `config/default.yaml`). */
  files?: Record<string, string>;
}

/** An app folder: plugins by folder name, nexus.config.json, other files by relative path. */
export interface AppSpec {
  plugins?: Record<string, PluginSpec>;
  /** Written as nexus.config.json. */
  config?: Record<string, unknown>;
  files?: Record<string, string>;
}

/** A temp app folder. */
export interface TempApp {
  dir: string;
  /** Absolute path of a file in the app. */
  path(...parts: string[]): string;
  /** Write a file (creating folders) relative to the app folder. */
  write(file: string, text: string): void;
  /** Add or replace a plugin folder's files. */
  writePlugin(folder: string, spec: PluginSpec): void;
  /** Delete the folder. */
  remove(): void;
}

/** A manifest object with name, version and nexus_version filled in. */
export function manifest(name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, version: '1.0.0', nexus_version: '>=0.1.0', ...fields };
}

/**
 * Source of an entry module: `export default class extends BasePlugin { <body> }` with
 * BasePlugin, validated and the types from @nexus/core imported. `head` goes above the class.
 */
export function pluginSource(body = '', head = ''): string {
  return [
    "import { BasePlugin, validated, type Router } from '@nexus/core';",
    head,
    'export default class TestPlugin extends BasePlugin {',
    body,
    '}',
    '',
  ].join('\n');
}

/** Create an app folder in the OS temp dir. */
export function makeApp(spec: AppSpec = {}): TempApp {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-e2e-'));
  const write = (file: string, text: string): void => {
    const full = path.join(dir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  const writePlugin = (folder: string, plugin: PluginSpec): void => {
    const base = `plugins/${folder}`;
    const text =
      typeof plugin.manifest === 'string'
        ? plugin.manifest
        : JSON.stringify(manifest(folder, plugin.manifest), null, 2);
    write(`${base}/manifest.json`, text);
    if (plugin.source !== undefined) write(`${base}/src/plugin.ts`, plugin.source);
    for (const [file, content] of Object.entries(plugin.files ?? {})) write(`${base}/${file}`, content);
  };
  mkdirSync(path.join(dir, 'plugins'));
  if (spec.config) write('nexus.config.json', JSON.stringify(spec.config, null, 2));
  for (const [folder, plugin] of Object.entries(spec.plugins ?? {})) writePlugin(folder, plugin);
  for (const [file, content] of Object.entries(spec.files ?? {})) write(file, content);
  return {
    dir,
    path: (...parts) => path.join(dir, ...parts),
    write,
    writePlugin,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An app started in-process on port 0. */
export interface RunningApp {
  app: NexusApp;
  url: string;
  /** Every log record so far (host and plugins). */
  logs: LogRecord[];
  /** Every log record as `LEVEL [name] message`, one per line, errors' messages included. */
  logText(): string;
  get(urlPath: string, init?: RequestInit): Promise<JsonResponse>;
  post(urlPath: string, body: unknown, init?: RequestInit): Promise<JsonResponse>;
  /** Stop the app (idempotent). */
  stop(): Promise<void>;
}

/**
 * Start the app in `dir` on port 0 with a memory log sink. Defaults: mode 'start', no NEXUS_*
 * variables (`environ: {}`), process-level fault handlers off (test them through the CLI).
 */
export async function startApp(dir: string, options: Partial<CreateAppOptions> = {}): Promise<RunningApp> {
  const sink = createMemorySink();
  const app = await createApp({
    appDir: dir,
    mode: 'start',
    port: 0,
    logSink: sink,
    environ: {},
    catchPluginFaults: false,
    ...options,
  });
  const url = await app.start();
  let stopped: Promise<void> | undefined;
  return {
    app,
    url,
    logs: sink.records,
    logText: () => sink.records.map(formatRecord).join('\n'),
    get: (urlPath, init) => fetchJson(url + urlPath, init),
    post: (urlPath, body, init) =>
      fetchJson(url + urlPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...init,
      }),
    stop: () => (stopped ??= app.stop()),
  };
}

function formatRecord(record: LogRecord): string {
  const meta = record.meta ? ` ${JSON.stringify(record.meta, (_k, v: unknown) => (v instanceof Error ? v.message : v))}` : '';
  const error = record.error ? ` | ${record.error.message}` : '';
  return `${record.level.toUpperCase()} [${record.name}] ${record.message}${meta}${error}`;
}
