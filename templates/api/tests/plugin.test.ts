import { createTestHarness, expectManifestContract } from '@nexus/testing';
import { describe, expect, it } from 'vitest';
import type ApiTemplatePlugin from '../src/plugin.ts';

/** The plugin folder: the harness reads manifest.json, config/*.yaml and src/plugin.ts from it. */
const pluginDir = new URL('..', import.meta.url);

async function started(config: { page_size?: number } = {}) {
  const harness = await createTestHarness<ApiTemplatePlugin>(pluginDir, { config });
  await harness.initialize();
  return harness;
}

describe('api_template', () => {
  it('creates, reads, changes and deletes an item', async () => {
    const harness = await started();
    const created = await harness.request('POST', '/items', { title: 'Write the docs' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), title: 'Write the docs', done: false });
    const id: string = created.body.id;

    expect((await harness.request('GET', `/items/${id}`)).body).toMatchObject({ id, title: 'Write the docs' });
    const changed = await harness.request('PATCH', `/items/${id}`, { done: true });
    expect(changed.body).toMatchObject({ id, done: true, updated_at: expect.any(String) });
    expect(await harness.db.collection('items').count({ done: true })).toBe(1);

    expect((await harness.request('DELETE', `/items/${id}`)).status).toBe(204);
    expect((await harness.request('GET', `/items/${id}`)).status).toBe(404);
    expect((await harness.request('DELETE', `/items/${id}`)).status).toBe(404);
    expectManifestContract(harness);
    await harness.shutdown();
  });

  it('lists items with a filter and pages, the page size from config', async () => {
    const harness = await started({ page_size: 2 });
    for (const title of ['a', 'b', 'c']) await harness.request('POST', '/items', { title, done: title === 'b' });
    const first = await harness.request('GET', '/items');
    expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.body.items.map((item: { title: string }) => item.title)).toEqual(['a', 'b']);
    const second = await harness.request('GET', '/items?offset=2');
    expect(second.body.items.map((item: { title: string }) => item.title)).toEqual(['c']);
    const done = await harness.request('GET', '/items?done=true');
    expect(done.body).toMatchObject({ total: 1, items: [{ title: 'b' }] });
  });

  it('answers 400 with every problem when a request does not match its schema', async () => {
    const harness = await started();
    const res = await harness.request('POST', '/items', { title: '', colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.problems).toHaveLength(2);
    expect(res.body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^body\/title: /), 'body/colour: is not allowed']));
    expect((await harness.request('GET', '/items?limit=0')).status).toBe(400);
    expect((await harness.request('PATCH', '/items/some-id', {})).status).toBe(400);
    expect(await harness.db.collection('items').count()).toBe(0);
  });
});
