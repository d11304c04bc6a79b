/**
 * Vitest global setup: probes PostgreSQL and Redis once. Missing servers skip their suites with one
 * line saying what to start; under CI=true a missing server fails the run.
 */
import type { TestProject } from 'vitest/node';
import { POSTGRES_START, REDIS_START, probePostgres, probeRedis } from './probe.ts';

const POSTGRES_URL = process.env.NEXUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.NEXUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export default async function setup(project: TestProject): Promise<void> {
  const [postgres, redis] = await Promise.all([probePostgres(POSTGRES_URL), probeRedis(REDIS_URL)]);
  project.provide('nexusServices', { postgres, redis });
  const missing = [
    ...(postgres ? [] : [`PostgreSQL at ${POSTGRES_URL} (${POSTGRES_START})`]),
    ...(redis ? [] : [`Redis at ${REDIS_URL} (${REDIS_START})`]),
  ];
  if (missing.length === 0) return;
  const line = `Skipping the PostgreSQL/Redis suites: not answering: ${missing.join('; ')}`;
  if (process.env.CI === 'true') throw new Error(`${line}. Under CI=true these suites must run: start the servers.`);
  console.warn(line);
}
