// Must NOT compile: setConfig with a value of the wrong type.
// Each line that must fail ends with `// expect TS<code>`; no other line may fail.
import { BasePlugin } from '@nexus/core';
import type { TypedFixtureTypes } from '../nexus.generated.ts';

export class WrongValues extends BasePlugin<TypedFixtureTypes> {
  override async initialize(): Promise<void> {
    await this.setConfig('max_retries', '5'); // expect TS2345
    await this.setConfig('enabled', 'yes'); // expect TS2345
    await this.setConfig('mode', 'turbo'); // expect TS2345
    await this.setConfig('level', 4); // expect TS2345
    await this.setConfig('tags', [1, 2]); // expect TS2322
    await this.setConfig('server', { host: 42 }); // expect TS2322
    await this.setConfig('server', { hostname: 'example.org' }); // expect TS2353
    await this.setConfig('endpoints', [{ weight: 1 }]); // expect TS2741
    this.getConfig('max_retries', 'three'); // expect TS2345
  }
}
