import { pino, type Logger, type DestinationStream } from 'pino';
import { UsageError } from './errors.js';

export type { Logger };

/**
 * Paths that may hold secrets anywhere in a logged object. Config values that
 * came from `${ENV}` interpolation are secrets by convention (passwords,
 * private keys, tokens), so the keys they live under are redacted.
 */
const REDACT_PATHS = [
  'password',
  'privateKey',
  'privateKeyPass',
  'token',
  'signingSecret',
  '*.password',
  '*.privateKey',
  '*.privateKeyPass',
  '*.token',
  '*.signingSecret',
  '*.*.password',
  '*.*.privateKey',
  '*.*.privateKeyPass',
  '*.*.token',
  'headers.authorization',
];

/**
 * JSON logs on stderr: stdout belongs to command output (`--format json`
 * prints one document there and nothing else).
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level from MESHWATCH_LOG_LEVEL, or a usage error naming the variable and the valid levels (pino would throw a bare error). */
export function logLevel(value: string | undefined, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value;
  throw new UsageError(`MESHWATCH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${value}"`);
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      name: options.name ?? 'meshwatch',
      level: logLevel(options.level ?? process.env.MESHWATCH_LOG_LEVEL, 'info'),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
