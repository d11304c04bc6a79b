/**
 * Events Template: A Nexus plugin that reacts to events, publishes its own and offers a service to other plugins.
 */
import { BasePlugin, validated, type EventEnvelope, type Router } from '@nexus/core';
import type { EventsTemplateTypes } from '../nexus.generated.ts';
import { createFeed, type FeedEntry, type UserCreated } from './feed.ts';

const Announcement = {
  type: 'object',
  properties: { message: { type: 'string', minLength: 1, maxLength: 500 } },
  required: ['message'],
  additionalProperties: false,
} as const;

const FeedQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 } },
  additionalProperties: false,
} as const;

export default class EventsTemplatePlugin extends BasePlugin<EventsTemplateTypes> {
  readonly entries: FeedEntry[] = [];
  readonly feed = createFeed(this.entries, () => this.getConfig('feed_size'));

  override initialize(): boolean {
    // Subscriptions and services made through `this` are released at shutdown.
    this.subscribeToEvent<UserCreated>('user.created', (event) => this.welcome(event));
    this.registerService('events_template.feed', { latest: this.feed.latest, size: this.feed.size });
    return true;
  }

  override routes(router: Router): void {
    router.get('/feed', validated({ query: FeedQuery }, (_ctx, { query }) => ({ entries: this.feed.latest(query.limit) })));

    router.post('/announce', validated({ body: Announcement }, async (ctx, { body }) => {
      const event = await this.publishEvent('events_template.announced', { message: body.message });
      this.feed.add({ type: event.type, text: body.message, at: event.timestamp });
      ctx.status = 202;
      return { id: event.id };
    }));
  }

  /** A throw here is logged and counted by the host; it never reaches the publisher. */
  private async welcome(event: EventEnvelope<UserCreated>): Promise<void> {
    const { user_id, username } = event.data;
    const text = `${this.getConfig('greeting')}, ${username}!`;
    this.feed.add({ type: event.type, text: `${username} joined`, at: event.timestamp });
    await this.publishEvent('events_template.welcomed', { user_id, text });
  }
}
