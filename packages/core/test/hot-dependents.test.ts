import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { testChannel } from './fixtures.ts';
import { startHotApp, type HotFixture } from './hot-fixture.ts';

// `base` offers a service; `consumer` depends on it and keeps the service it got in initialize(),
// so only re-initializing it after `base` keeps it off the retired instance.
const ENTRY = 'src/plugin.ts';

/** Lifecycle calls in order, and calls that reached an instance after its shutdown. */
const trace = testChannel('__hotDeps', () => ({ order: [] as string[], zombies: [] as string[] }));

function base(version: string, extra = ''): string {
  return `import { BasePlugin } from '@nexus/core';
const trace = () => ${trace.ref};
export default class Base extends BasePlugin {
  dead = false;
  override async initialize(): Promise<boolean> {
    ${extra}
    trace().order.push('init base ${version}');
    this.registerService('base.api', {
      version: '${version}',
      call: () => {
        if (this.dead) trace().zombies.push('base ${version}');
        return '${version}';
      },
    });
    return true;
  }
  override shutdown(): void {
    this.dead = true;
    trace().order.push('shutdown base ${version}');
  }
}
`;
}

function consumer(tag = 'c1'): string {
  return `import { BasePlugin, type Router } from '@nexus/core';
const trace = () => ${trace.ref};
interface Api { version: string; call(): string }
export default class Consumer extends BasePlugin {
  api!: Api;
  override initialize(): boolean {
    this.api = this.getService<Api>('base.api');
    if (this.api.version === 'broken-for-consumer') throw new Error('consumer cannot use this base');
    trace().order.push('init consumer ${tag}');
    return true;
  }
  override shutdown(): void {
    trace().order.push('shutdown consumer ${tag}');
  }
  override routes(router: Router): void {
    router.get('/call', (ctx) => { ctx.body = { base: this.api.call(), consumer: '${tag}' }; });
  }
}
`;
}

let fx: HotFixture | undefined;

beforeEach(async () => {
  fx = await startHotApp({
    base: { files: { [ENTRY]: base('v1') } },
    consumer: { manifest: { dependencies: ['base'] }, files: { [ENTRY]: consumer() } },
  });
  trace().order.length = 0; // the first start is not what these tests check
});

afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('dependents', () => {
  test('are shut down before and re-initialized after the swapped plugin, and get the new instance', async () => {
    const [report] = await fx!.edit('base', ENTRY, base('v2'));
    expect(report).toMatchObject({ kind: 'swap', plugins: ['base', 'consumer'], outcome: 'ok' });
    expect(trace().order).toEqual(['shutdown consumer c1', 'shutdown base v1', 'init base v2', 'init consumer c1']);
    expect((await fx!.get('/plugins/consumer/call')).body).toEqual({ base: 'v2', consumer: 'c1' });
    expect(fx!.app.manager.get('consumer')!.reloads).toBe(1);
  });

  test('requests to the dependent during the swap wait and never reach the old instance', async () => {
    fx!.write('base', ENTRY, base('v2', 'await new Promise((r) => setTimeout(r, 200));'));
    const swapped = fx!.changed('base', ENTRY);
    const answers: Promise<{ status: number; body: any }>[] = [fx!.get('/plugins/consumer/call')];
    while (fx!.app.manager.get('base')!.gate.isOpen) await new Promise((r) => setTimeout(r, 1));
    while (fx!.app.manager.get('base')!.state !== 'running') {
      answers.push(fx!.get('/plugins/consumer/call'));
      await new Promise((r) => setTimeout(r, 10));
    }
    await swapped;
    const done = await Promise.all(answers);
    expect(done.every((a) => a.status === 200)).toBe(true);
    expect(done.at(-1)!.body.base).toBe('v2');
    expect(trace().zombies).toEqual([]);
  });

  test('a dependent that fails to re-initialize rolls the whole plan back', async () => {
    const [report] = await fx!.edit('base', ENTRY, base('broken-for-consumer'));
    expect(report).toMatchObject({ plugins: ['base', 'consumer'], outcome: 'rolled_back', error: { plugin: 'consumer', code: 'NEXUS_INIT_FAILED' } });
    expect(report!.error!.message).toContain('consumer cannot use this base');
    expect((await fx!.get('/plugins/consumer/call')).body).toEqual({ base: 'v1', consumer: 'c1' });
    expect(fx!.app.manager.list().map((p) => p.state)).toEqual(['running', 'running']);
    expect(trace().zombies).toEqual([]);
  });

  test('when the new code does not load, dependents are left alone', async () => {
    const [report] = await fx!.edit('base', ENTRY, 'export default class {');
    expect(report).toMatchObject({ outcome: 'rolled_back', error: { plugin: 'base', code: 'NEXUS_LOAD_FAILED' } });
    expect(trace().order).toEqual([]);
    expect((await fx!.get('/plugins/consumer/call')).body).toEqual({ base: 'v1', consumer: 'c1' });
  });

  test('both changed in one batch: one swap, each re-initialized once, with its new code', async () => {
    fx!.write('base', ENTRY, base('v2'));
    fx!.write('consumer', ENTRY, consumer('c2'));
    fx!.hot.notify(fx!.pluginDir('consumer'), [`${fx!.pluginDir('consumer')}/${ENTRY}`]);
    fx!.hot.notify(fx!.pluginDir('base'), [`${fx!.pluginDir('base')}/${ENTRY}`]);
    await fx!.hot.idle();
    expect(fx!.reports).toHaveLength(1);
    expect(fx!.reports[0]).toMatchObject({ plugins: ['base', 'consumer'], outcome: 'ok' });
    expect(fx!.reports[0]!.files.sort()).toEqual(['plugins/base/src/plugin.ts', 'plugins/consumer/src/plugin.ts']);
    expect(trace().order).toEqual(['shutdown consumer c1', 'shutdown base v1', 'init base v2', 'init consumer c2']);
  });

  test('a file of one plugin imported by another swaps that one too', async () => {
    fx!.write('base', 'src/shared.ts', `export const TAG = 's1';\n`);
    await fx!.edit('consumer', ENTRY, consumer('c1').replace("'c1'", 'TAG').replace('interface Api', `import { TAG } from '../../base/src/shared.ts';\ninterface Api`));
    expect((await fx!.get('/plugins/consumer/call')).body).toEqual({ base: 'v1', consumer: 's1' });
    const [report] = await fx!.edit('base', 'src/shared.ts', `export const TAG = 's2';\n`);
    expect(report!.plugins).toEqual(['base', 'consumer']);
    expect((await fx!.get('/plugins/consumer/call')).body).toEqual({ base: 'v1', consumer: 's2' });
  });
});
