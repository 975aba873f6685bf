import pino, { type Logger } from 'pino';
import type { LoggingConfig } from '../config/types.js';

export type { Logger };

/**
 * pino to stderr (fd 2) or to a file. Never stdout: stdout carries JSON-RPC frames only.
 * Synchronous destination so lines are not lost when the process exits right after logging.
 */
export function createLogger(config: LoggingConfig, base: Record<string, unknown> = {}): Logger {
  const destination = config.file === null
    ? pino.destination({ dest: 2, sync: true })
    : pino.destination({ dest: config.file, sync: true, mkdir: true });
  return pino({ level: config.level, base: { pid: process.pid, ...base } }, destination);
}
