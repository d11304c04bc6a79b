import { expect, it } from 'vitest';
import { createTestHarness } from '../src/index.ts';
import type MyAwesomePlugin from '../../../playground/plugins/my_awesome_plugin/src/plugin.ts';

it('spike', async () => {
  const h = await createTestHarness<MyAwesomePlugin>(new URL('../../../playground/plugins/my_awesome_plugin', import.meta.url));
  const p = await h.initialize();
  expect(p.initialized).toBe(true);
  const r = await h.request('GET', '/status');
  console.log(r);
  const a = await h.request('POST', '/action', { action: 'echo', parameters: { message: 'x' } });
  console.log(a.status, a.body);
  const bad = await h.request('POST', '/action', '{bad');
  console.log(bad.status, bad.body);
  await h.events.emit('user.created', { user_id: '1', username: 'ada' });
  console.log(h.logs.messages());
  console.log(await h.health());
  await expect(h).toBeHealthy();
  expect(h).toHavePublished('my_awesome_plugin.action_completed', { action: 'echo' });
  await h.reload();
  console.log(h.plugin.actionCount, h.config.get('action_count'));
  await h.shutdown();
  console.log(h.events.published().map((e) => e.type));
});
