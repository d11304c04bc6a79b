import { createTestHarness, expectManifestContract } from '@nexus/testing';
import { describe, expect, it, vi } from 'vitest';
import type FullTemplatePlugin from '../src/plugin.ts';
import type { TasksService, Totals } from '../src/tasks.ts';

/** The plugin folder: the harness reads manifest.json, config/*.yaml and src/plugin.ts from it. */
const pluginDir = new URL('..', import.meta.url);

type Config = { max_open_tasks?: number; sweep_interval_ms?: number; activity_size?: number };

async function started(config: Config = {}) {
  const harness = await createTestHarness<FullTemplatePlugin>(pluginDir, { config });
  await harness.initialize();
  return harness;
}

describe('full_template', () => {
  it('creates and completes tasks over HTTP, publishing an event for each', async () => {
    const harness = await started();
    const created = await harness.request('POST', '/tasks', { title: 'Ship it', priority: 'high' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Ship it', priority: 'high', status: 'open' });
    expect(harness).toHavePublished('full_template.task_created', { id: created.body.id, priority: 'high' });

    const done = await harness.request('POST', `/tasks/${created.body.id}/complete`);
    expect(done.body).toMatchObject({ status: 'done', completed_at: expect.any(String) });
    expect(harness).toHavePublished('full_template.task_completed', { id: created.body.id });
    expect((await harness.request('POST', '/tasks/nope/complete')).status).toBe(404);

    expect((await harness.request('GET', '/tasks?status=done')).body.tasks).toHaveLength(1);
    expect((await harness.request('GET', '/stats')).body).toMatchObject({ totals: { created: 1, completed: 1 }, open: 0 });
    expectManifestContract(harness);
  });

  it('validates requests and enforces max_open_tasks', async () => {
    const harness = await started({ max_open_tasks: 1 });
    expect((await harness.request('POST', '/tasks', { title: 'x', priority: 'urgent' })).status).toBe(400);
    expect((await harness.request('GET', '/tasks?limit=9999')).status).toBe(400);
    expect((await harness.request('POST', '/tasks', { title: 'first' })).status).toBe(201);
    const refused = await harness.request('POST', '/tasks', { title: 'second' });
    expect([refused.status, refused.body.error]).toEqual([409, 'limit_reached']);
  });

  it('offers the full_template.tasks service', async () => {
    const harness = await started();
    const tasks = harness.services.lookup<TasksService>('full_template.tasks');
    await tasks.create('From another plugin');
    expect(await tasks.openCount()).toBe(1);
    expect(harness).toHavePublished('full_template.task_created', { title: 'From another plugin', priority: 'normal' });
  });

  it('reports health components and metrics', async () => {
    const harness = await started();
    await harness.request('POST', '/tasks', { title: 'a' });
    await expect(harness).toBeHealthy();
    const health = await harness.health();
    expect(health.components).toMatchObject({ database: { status: 'healthy', tasks: 1 }, sweeper: { status: 'healthy' } });
    expect(harness.plugin.getMetrics()).toMatchObject({ tasks_created_total: 1, tasks_open: 1 });
  });

  it('sweeps on its tracked interval, which stops at shutdown', async () => {
    const harness = await started({ sweep_interval_ms: 100 });
    await vi.waitFor(() => expect(harness.plugin.sweeps).toBeGreaterThan(2), { timeout: 5_000 });
    await harness.shutdown(); // fails if a timer were left running
  });

  it('saves its totals at shutdown and on system.maintenance, and reads them back', async () => {
    const harness = await started();
    await harness.request('POST', '/tasks', { title: 'a' });
    await harness.events.emit('system.maintenance', {});
    expect(await harness.data.get<Totals>('totals')).toEqual({ created: 1, completed: 0 });
    await harness.shutdown();

    const next = await createTestHarness<FullTemplatePlugin>(pluginDir);
    await next.data.set('totals', { created: 7, completed: 5 });
    await next.initialize();
    expect(next.plugin.totals).toEqual({ created: 7, completed: 5 });
  });

  it('hands its in-memory activity to the next instance on hot reload', async () => {
    const harness = await started();
    await harness.request('POST', '/tasks', { title: 'before the reload' });
    const before = harness.plugin;
    const after = await harness.reload();
    expect(after).not.toBe(before);
    expect(after.activity.map((entry) => entry.text)).toContain('created "before the reload"');
    expect(after.totals).toEqual({ created: 1, completed: 0 });
  });
});

