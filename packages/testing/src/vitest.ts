// `import '@nexus/testing/vitest'` (e.g. in a Vitest setup file) registers the matchers
// toHavePublished and toBeHealthy; importing '@nexus/testing' does the same.
import { expect } from 'vitest';
import { matchers } from './matchers.ts';

expect.extend(matchers);

export type { NexusMatchers } from './matchers.ts';
