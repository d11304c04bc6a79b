// Must NOT compile: events the manifest does not declare, for publish and for subscribe.
// Each line that must fail ends with `// expect TS<code>`; no other line may fail.
import { BasePlugin } from '@nexus/core';
import type { TypedFixtureTypes } from '../nexus.generated.ts';

export class UndeclaredEvents extends BasePlugin<TypedFixtureTypes> {
  override async initialize(): Promise<void> {
    await this.publishEvent('user.created'); // expect TS2345
    await this.publishEvent('other_plugin.done'); // expect TS2345
    await this.publishEvent('typed_fixture'); // expect TS2345
    this.subscribeToEvent('audit.logged', () => undefined); // expect TS2345
    this.subscribeToEvent('user.deleted', () => undefined); // expect TS2345
    this.subscribeToEvent('system.*', () => undefined); // expect TS2345
  }
}
