/**
 * Delivery is pluggable: the notify queue's worker hands each notification to
 * a Notifier. Implementations: the log notifier (the default without Slack),
 * the recording notifier (tests), and the Slack notifier (slack/).
 *
 * Contract: `deliver` resolves once the notification is out, or rejects with
 * a `NotifierError`. The worker retries retryable errors with backoff and
 * records each delivery in Redis, so `deliver` is called once per
 * notification id except when a process dies between delivering and
 * recording (at-least-once at that one point; the Slack notifier closes that
 * gap by looking up the message metadata it attached before posting again).
 *
 * A `NotifierError` with `retryAfterMs` delays the job by that long without
 * spending an attempt (rate limits, a message busy with another delivery).
 */
import { MeshwatchError } from '../core/errors.js';
import type { Notification } from './notification.js';

export interface Notifier {
  readonly name: string;
  deliver(notification: Notification): Promise<void>;
  close?(): Promise<void>;
}

export class NotifierError extends MeshwatchError {
  /** The receiver asked to wait this long (Slack's Retry-After): the worker delays the job instead of backing off. */
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: { retryable: boolean; cause?: unknown; retryAfterMs?: number | undefined }) {
    super(code, message, { origin: 'operational', retryable: options.retryable, cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}
