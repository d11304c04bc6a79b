// Plugins the tests build harnesses for (not a test file itself).
import { BasePlugin, validated, type PluginManifest, type PluginTypes, type Router } from '@nexus/core';

export interface CounterConfig {
  step: number;
  token: string;
  label?: string;
}

export interface CounterTypes extends PluginTypes {
  config: CounterConfig;
  publishes: 'counter.changed' | `counter.${string}`;
  subscribes: 'clock.tick' | `counter.${string}`;
}

export const counterManifest: PluginManifest = {
  name: 'counter',
  version: '1.0.0',
  dependencies: ['clock'],
  permissions: ['events.publish', 'events.subscribe', 'database.read', 'database.write'],
  configuration: {
    step: { type: 'integer', default: 1, min: 1, max: 10 },
    token: { type: 'string', required: true, secret: true },
    label: { type: 'string', enum: ['a', 'b'] },
  },
  api_endpoints: [
    { method: 'GET', path: '/count' },
    { method: 'POST', path: '/increment' },
  ],
  events: { publishes: ['counter.changed'], subscribes: ['clock.tick'] },
};

/** Counts clock ticks and POST /increment calls; hands its count over on hot reload. */
export class Counter extends BasePlugin<CounterTypes, { count: number }> {
  count = 0;
  imported: { count: number } | undefined;

  override databaseSchema() {
    return { collections: { increments: { indexes: [{ field: 'at' }] } } };
  }

  override initialize(): boolean | Promise<boolean> {
    this.subscribeToEvent('clock.tick', () => this.increment('tick'));
    this.registerService('counter.api', { current: () => this.count });
    this.setInterval(() => {}, 60_000);
    this.logger.info(`counter starts with token ${this.getConfig('token')}`);
    return true;
  }

  override routes(router: Router): void {
    router.get('/count', (ctx) => {
      ctx.body = { count: this.count };
    });
    router.post(
      '/increment',
      validated({ body: { type: 'object', properties: { by: { type: 'integer', minimum: 1 } }, additionalProperties: false } } as const, async (_ctx, { body }) => {
        await this.increment('http', body.by);
        return { count: this.count };
      }),
    );
  }

  override exportHotState(): { count: number } {
    return { count: this.count };
  }

  override importHotState(state: { count: number }): void {
    this.imported = state;
    this.count = state.count;
  }

  async increment(via: string, by = this.getConfig('step')): Promise<void> {
    this.count += by;
    await this.db.collection('increments').insert({ via, by, at: Date.now() });
    await this.publishEvent('counter.changed', { count: this.count, via });
  }
}

export const clockManifest: PluginManifest = {
  name: 'clock',
  version: '1.0.0',
  permissions: ['events.publish'],
  events: { publishes: ['clock.tick'] },
};
