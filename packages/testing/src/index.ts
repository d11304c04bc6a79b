// Registers toHavePublished and toBeHealthy on Vitest's expect (also available alone as
// '@nexus/testing/vitest', for a setup file).
import './vitest.ts';

// The harness: a plugin built with the mocks below, driven like the host drives it
export { createTestHarness } from './harness.ts';
export type { PluginClass, TestConfig, TestHarness, TestHarnessOptions, TestResponse } from './harness.ts';
export { expectManifestContract } from './contract.ts';

// Mocks around the real runtime pieces
export { createMockEventBus, MockEventBus } from './events.ts';
export type { EmitOptions, MockEventBusOptions } from './events.ts';
export { createMockConfig } from './config.ts';
export type { MockConfig, MockConfigOptions } from './config.ts';
export { createMockServices, MockServices } from './services.ts';
export { createMockStorage } from './storage.ts';
export type { MockData, MockStorage } from './storage.ts';
export { createMockLogger } from './logger.ts';
export type { MockLogger, MockLoggerOptions } from './logger.ts';

// Vitest matchers
export { matchers } from './matchers.ts';
export type { NexusMatchers } from './matchers.ts';
