/**
 * The one pino root. Modules take child loggers; secrets are redacted wherever they appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password', '*.password', 'adminPassword', '*.adminPassword', 'token', '*.token', 'bindKey', '*.bindKey',
  '*.bindKeys', 'networkKey', '*.networkKey', 'req.headers.authorization', 'headers.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = { level, base: { app: 'roost' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(opts, destination) : pino(opts);
}
