import { pino, type Logger, type DestinationStream } from 'pino';

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
export function createLogger(
  options: { level?: string; name?: string } = {},
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      name: options.name ?? 'meshwatch',
      level: options.level ?? process.env.MESHWATCH_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
