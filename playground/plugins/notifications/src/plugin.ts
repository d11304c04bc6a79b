import { BasePlugin, type EventEnvelope, type Router } from '@nexus/core';
import type { NotificationsTypes } from '../nexus.generated.ts';
import type { UserDirectory } from '../../users/src/directory.ts';

interface Notification {
  id?: string;
  kind: 'welcome' | 'action';
  text: string;
  created_at: string;
  [field: string]: unknown;
}

/** Listens to other plugins' events and keeps a notification log, using the users directory. */
export default class NotificationsPlugin extends BasePlugin<NotificationsTypes> {
  sent = 0;

  override databaseSchema() {
    return { collections: { notifications: { indexes: [{ field: 'kind' }, { field: 'created_at' }] } } };
  }

  override initialize(): boolean {
    this.subscribeToEvent('user.created', (event) => this.welcome(event));
    this.subscribeToEvent('my_awesome_plugin.action_completed', (event) => this.recordAction(event));
    this.setInterval(() => this.digest(), this.getConfig('digest_interval_ms'));
    return true;
  }

  override routes(router: Router): void {
    router.get('/notifications', async (ctx) => {
      const items = await this.notifications.find({}, { sort: { field: 'created_at', order: 'desc' }, limit: 100 });
      ctx.body = { notifications: items };
    });
  }

  override getMetrics(): Record<string, number> {
    return { ...super.getMetrics(), notifications_sent: this.sent };
  }

  private async welcome(event: EventEnvelope): Promise<void> {
    const { user_id } = event.data as { user_id: string };
    const user = await this.getService<UserDirectory>('users.directory').get(user_id);
    const text = `${this.getConfig('greeting')}, ${user?.username ?? 'someone'}!`;
    await this.notify({ kind: 'welcome', text, created_at: new Date().toISOString() });
  }

  private async recordAction(event: EventEnvelope): Promise<void> {
    const { action } = event.data as { action: string };
    await this.notify({ kind: 'action', text: `Action "${action}" completed`, created_at: new Date().toISOString() });
  }

  private async notify(notification: Notification): Promise<void> {
    await this.notifications.insert(notification);
    this.sent += 1;
    await this.publishEvent('notifications.sent', { text: notification.text });
  }

  private async digest(): Promise<void> {
    const total = await this.notifications.count();
    this.logger.debug(`digest: ${total} notifications stored`);
  }

  private get notifications() {
    return this.db.collection<Notification>('notifications');
  }
}
