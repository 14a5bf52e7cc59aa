import { UsageError } from '../../core/errors.js';
import type { CliIo } from '../io.js';

export async function checkCommand(_options: { config: string; product?: string | undefined; format: 'text' | 'json' }, _io: CliIo): Promise<number> {
  throw new UsageError('check is not available yet');
}
