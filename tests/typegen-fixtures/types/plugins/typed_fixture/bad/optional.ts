// Must NOT compile: an optional key without a default used as if it were always set.
// Each line that must fail ends with `// expect TS<code>`; no other line may fail.
import { BasePlugin } from '@nexus/core';
import type { TypedFixtureTypes } from '../nexus.generated.ts';

export class OptionalAsSet extends BasePlugin<TypedFixtureTypes> {
  override async initialize(): Promise<void> {
    const timeout: number = this.getConfig('timeout'); // expect TS2322
    this.getConfig('prefix').toUpperCase(); // expect TS2532
    const level: 1 | 2 | 3 = this.getConfig('level'); // expect TS2322
    for (const endpoint of this.getConfig('endpoints')) this.logger.info(endpoint.url); // expect TS2532
    this.logger.info(String(timeout + level));
  }
}
