// Must compile: a plugin without configuration or declared events still has its own namespace.
import { BasePlugin } from '@nexus/core';
import type { BareFixtureTypes } from '../nexus.generated.ts';

export default class BareFixture extends BasePlugin<BareFixtureTypes> {
  override async initialize(): Promise<void> {
    await this.publishEvent('bare_fixture.started');
    this.subscribeToEvent('bare_fixture.tick', () => undefined);
  }
}
