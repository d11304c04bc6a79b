/**
 * Basic Template: A Nexus plugin with a lifecycle, one route and configuration.
 */
import { BasePlugin, type Router } from '@nexus/core';
import type { BasicTemplateTypes } from '../nexus.generated.ts';

export default class BasicTemplatePlugin extends BasePlugin<BasicTemplateTypes> {
  /** Greetings answered by this instance. */
  greetings = 0;

  /** Runs once the config is resolved and validated; return false or throw to fail. */
  override initialize(): boolean {
    this.logger.info(`${this.name} v${this.version} ready: GET /plugins/${this.name}/hello`);
    return true;
  }

  /** Runs at shutdown (and before a hot reload); routes and timers are released for you. */
  override shutdown(): void {
    this.logger.info(`${this.name} stops after ${this.greetings} greeting(s)`);
  }

  /** Mounted at /plugins/basic_template. */
  override routes(router: Router): void {
    router.get('/hello', (ctx) => {
      const name = typeof ctx.query.name === 'string' && ctx.query.name !== '' ? ctx.query.name : 'world';
      const message = `${this.getConfig('greeting')}, ${name}!`;
      this.greetings += 1;
      ctx.body = { message: this.getConfig('shout') ? message.toUpperCase() : message };
    });
  }
}
