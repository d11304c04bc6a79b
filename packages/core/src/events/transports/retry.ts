/** Retry policy of a durable transport: attempts, then a dead letter. */
export interface RetryPolicy {
  /** Deliveries of one event to one consumer group before it becomes a dead letter. @default 5 */
  maxAttempts: number;
  /** Wait before the second attempt; doubles each time, up to 60 s. @default 500 */
  backoffMs: number;
}

/** The default retry policy. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, backoffMs: 500 };

/** Wait before attempt `attempt + 1` after attempt `attempt` failed. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  return Math.min(60_000, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
}
