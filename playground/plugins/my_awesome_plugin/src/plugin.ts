/**
 * My Awesome Plugin: the guide's example plugin, in TypeScript.
 * HTTP API, event handling, configuration, health, metrics, a database collection and saved state.
 */
import { BasePlugin, validated, type EventEnvelope, type HealthStatus, type Router } from '@nexus/core';
import type { MyAwesomePluginTypes } from '../nexus.generated.ts';
import { executeAction } from './actions.ts';

const ActionRequest = {
  type: 'object',
  properties: {
    action: { type: 'string', description: 'Action to perform' },
    parameters: { type: 'object', default: {} },
  },
  required: ['action'],
  additionalProperties: false,
} as const;

interface LastAction {
  action: string;
  timestamp: string;
}

export default class MyAwesomePlugin extends BasePlugin<MyAwesomePluginTypes> {
  actionCount = 0;
  lastAction: LastAction | null = null;

  override async initialize(): Promise<boolean> {
    this.logger.info(`Initializing ${this.name} plugin v${this.version}`);
    if (!this.getConfig('api_key')) throw new Error('API key is required but not configured');
    this.actionCount = this.getConfig('action_count');
    this.lastAction = (await this.getData<LastAction>('last_action')) ?? null;
    this.subscribeToEvent('user.created', (event) => this.handleUserCreated(event));
    this.subscribeToEvent('system.maintenance', () => this.saveState());
    this.registerService(`${this.name}.api`, { executeAction: (action: string) => this.runAction(action, {}) });
    await this.publishEvent('my_awesome_plugin.initialized', { version: this.version, timestamp: new Date().toISOString() });
    this.logger.info(`${this.name} plugin initialized successfully`);
    return true;
  }

  override async shutdown(): Promise<void> {
    await this.saveState();
    await this.publishEvent('my_awesome_plugin.shutdown', { action_count: this.actionCount });
  }

  override routes(router: Router): void {
    router.get('/status', (ctx) => {
      ctx.body = {
        plugin: this.name,
        version: this.version,
        initialized: this.initialized,
        action_count: this.actionCount,
        last_action: this.lastAction,
        uptime: this.getMetrics().uptime,
      };
    });
    router.post('/action', validated({ body: ActionRequest }, async (ctx, { body }) => {
      if (!this.getConfig('enabled')) {
        ctx.status = 503;
        return { success: false, message: 'Plugin is disabled' };
      }
      try {
        const result = await this.runAction(body.action, body.parameters as Record<string, unknown>);
        return { success: true, message: `Action '${body.action}' completed successfully`, result };
      } catch (error) {
        this.logger.warn(`Action failed: ${(error as Error).message}`);
        ctx.status = 422;
        return { success: false, message: `Action failed: ${(error as Error).message}` };
      }
    }));
  }

  override databaseSchema() {
    return {
      collections: {
        plugin_actions: { indexes: [{ field: 'action' }, { field: 'timestamp' }] },
      },
    };
  }

  override async healthCheck(): Promise<HealthStatus> {
    const health = await super.healthCheck();
    health.components.actions = { status: 'healthy', count: this.actionCount };
    health.components.configuration = { status: this.getConfig('enabled') ? 'healthy' : 'disabled' };
    health.metrics.actions_total = this.actionCount;
    return health;
  }

  override getMetrics(): Record<string, number> {
    return { ...super.getMetrics(), actions_total: this.actionCount };
  }

  /** Run an action, count it, record it and announce it. */
  async runAction(action: string, parameters: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = executeAction(action, parameters, this.actionCount);
    this.actionCount += 1;
    this.lastAction = { action, timestamp: new Date().toISOString() };
    await this.db.collection('plugin_actions').insert({ ...this.lastAction });
    await this.publishEvent('my_awesome_plugin.action_completed', { action, parameters, result });
    return result;
  }

  private handleUserCreated(event: EventEnvelope): void {
    const { user_id, username = 'Unknown' } = event.data as { user_id?: string; username?: string };
    this.logger.info(`New user created: ${username} (ID: ${user_id})`);
  }

  private async saveState(): Promise<void> {
    await this.setConfig('action_count', this.actionCount);
    await this.setData('last_action', this.lastAction);
  }
}
