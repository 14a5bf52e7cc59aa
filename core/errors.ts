/**
 * meshwatch's error hierarchy. Every error carries a string `code` (stable, for
 * logs, metrics and tests) and says whose it is:
 * - `user`: bad config or bad input. Never retried; fix the input.
 * - `operational`: the world misbehaved (warehouse down, timeout, Slack 429).
 *   Retried with backoff where `retryable` is true.
 * - `bug`: meshwatch itself is wrong.
 */
export type ErrorOrigin = 'user' | 'operational' | 'bug';

export class MeshwatchError extends Error {
  readonly code: string;
  readonly origin: ErrorOrigin;
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { origin: ErrorOrigin; retryable?: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.origin = options.origin;
    this.retryable = options.retryable ?? false;
  }
}

/** Wrong command-line usage (unknown flag, missing argument). Exit code 2. */
export class UsageError extends MeshwatchError {
  constructor(message: string) {
    super('USAGE', message, { origin: 'user' });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
