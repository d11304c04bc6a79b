// Must NOT compile: config keys the manifest does not declare.
// Each line that must fail ends with `// expect TS<code>`; no other line may fail.
import { BasePlugin } from '@nexus/core';
import type { TypedFixtureTypes } from '../nexus.generated.ts';

export class WrongKeys extends BasePlugin<TypedFixtureTypes> {
  override async initialize(): Promise<void> {
    this.getConfig('no_such_key'); // expect TS2345
    this.getConfig('max_retry'); // expect TS2345
    this.getConfig('no_such_key', 1); // expect TS2345
    await this.setConfig('no_such_key', 1); // expect TS2345
  }
}
