/** Keeps every delivered notification in memory, for tests; can be told to fail the next deliveries. */
import type { Notification } from './notification.js';
import { NotifierError, type Notifier } from './notifier.js';

export class RecordingNotifier implements Notifier {
  readonly name = 'recording';
  readonly delivered: Notification[] = [];
  private failures = 0;

  /** The next `count` deliveries fail with a retryable error. */
  failNext(count: number): void {
    this.failures = count;
  }

  async deliver(notification: Notification): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new NotifierError('NOTIFY_TEST_FAILURE', 'recording notifier told to fail', { retryable: true });
    }
    this.delivered.push(notification);
  }
}
