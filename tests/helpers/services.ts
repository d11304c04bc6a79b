/**
 * PostgreSQL and Redis for the suites that need real servers. `tests/setup/services.ts` (a Vitest
 * global setup) probes them once per run; a suite skips itself when its server is not answering,
 * and under CI=true the setup fails the run instead.
 */
import { inject } from 'vitest';

/** Which servers answered the global setup's probe. */
export interface ServiceProbe {
  postgres: boolean;
  redis: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    nexusServices: ServiceProbe;
  }
}

/** The test database (PostgreSQL 15, trust auth). Override with NEXUS_TEST_DATABASE_URL. */
export const POSTGRES_URL = process.env.NEXUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The test Redis. Override with NEXUS_TEST_REDIS_URL. */
export const REDIS_URL = process.env.NEXUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** What the global setup found. */
export const services: ServiceProbe = inject('nexusServices') ?? { postgres: false, redis: false };
