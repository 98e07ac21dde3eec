/** Exponential backoff: the n-th wait is about initialMs·factorⁿ, capped at maxMs. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
}

/**
 * The delay before retry number `attempt` (0-based), with "equal jitter": half
 * fixed, half random, so many clients failing together do not retry together.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
