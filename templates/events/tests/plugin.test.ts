import { createTestHarness, expectManifestContract } from '@nexus/testing';
import { describe, expect, it } from 'vitest';
import type { ActivityFeed } from '../src/feed.ts';
import type EventsTemplatePlugin from '../src/plugin.ts';

/** The plugin folder: the harness reads manifest.json, config/*.yaml and src/plugin.ts from it. */
const pluginDir = new URL('..', import.meta.url);

async function started(config: { greeting?: string; feed_size?: number } = {}) {
  const harness = await createTestHarness<EventsTemplatePlugin>(pluginDir, { config });
  await harness.initialize();
  return harness;
}

describe('events_template', () => {
  it('welcomes each new user with an event of its own', async () => {
    const harness = await started({ greeting: 'Hi' });
    await harness.events.emit('user.created', { user_id: 'u1', username: 'ada' });
    expect(harness).toHavePublished('events_template.welcomed', { user_id: 'u1', text: 'Hi, ada!' });
    expect(harness.plugin.entries).toEqual([{ type: 'user.created', text: 'ada joined', at: expect.any(String) }]);
    await harness.shutdown();
    expect(harness.events.subscriptions('events_template')).toEqual([]);
  });

  it('publishes announcements posted to /announce and lists them in /feed', async () => {
    const harness = await started();
    const posted = await harness.request('POST', '/announce', { message: 'Release at noon' });
    expect(posted.status).toBe(202);
    expect(harness).toHavePublished('events_template.announced', { message: 'Release at noon' });
    await harness.events.emit('user.created', { user_id: 'u2', username: 'grace' });
    const feed = await harness.request('GET', '/feed?limit=1');
    expect(feed.body).toEqual({ entries: [{ type: 'user.created', text: 'grace joined', at: expect.any(String) }] });
    expect((await harness.request('POST', '/announce', { message: '' })).status).toBe(400);
    expectManifestContract(harness);
  });

  it('offers its feed to other plugins as the events_template.feed service', async () => {
    const harness = await started({ feed_size: 2 });
    for (const username of ['a', 'b', 'c']) await harness.events.emit('user.created', { user_id: username, username });
    const feed = harness.services.lookup<ActivityFeed>('events_template.feed');
    expect(feed.size()).toBe(2);
    expect(feed.latest().map((entry) => entry.text)).toEqual(['c joined', 'b joined']);
  });
});
