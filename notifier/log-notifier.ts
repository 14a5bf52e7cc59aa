/**
 * One JSON object per line: on stdout (logs stay on stderr), or appended to
 * the file named by MESHWATCH_NOTIFY_LOG. Lines are written whole with one
 * append each, so several replicas can share one file.
 */
import { appendFile } from 'node:fs/promises';
import type { Notification } from './notification.js';
import { NotifierError, type Notifier } from './notifier.js';

export class LogNotifier implements Notifier {
  readonly name = 'log';

  constructor(
    private readonly file: string | undefined,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  async deliver(notification: Notification): Promise<void> {
    const line = `${JSON.stringify(notification)}\n`;
    if (!this.file) {
      this.write(line);
      return;
    }
    try {
      await appendFile(this.file, line);
    } catch (err) {
      throw new NotifierError('NOTIFY_LOG_WRITE', `cannot append to ${this.file}`, { retryable: true, cause: err });
    }
  }
}
