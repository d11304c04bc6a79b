// Must NOT compile: a plugin without configuration has no config keys, and only its own events.
// Each line that must fail ends with `// expect TS<code>`; no other line may fail.
import { BasePlugin } from '@nexus/core';
import type { BareFixtureTypes } from '../nexus.generated.ts';

export class NothingDeclared extends BasePlugin<BareFixtureTypes> {
  override async initialize(): Promise<void> {
    this.getConfig('anything'); // expect TS2345
    await this.setConfig('anything', 1); // expect TS2345
    await this.publishEvent('user.created'); // expect TS2345
    this.subscribeToEvent('user.created', () => undefined); // expect TS2345
  }
}
