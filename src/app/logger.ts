import { writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LoggingConfig } from '../config/types.js';

export type { Logger };

/** `human`: short sentences for a person at a terminal; `json`: one pino JSON object a line. */
export type LogFormat = 'human' | 'json';

/** JSON unless a person reads stderr directly: a log file, a pipe or an MCP client get JSON. */
export function chooseLogFormat(config: LoggingConfig, stderrIsTTY: boolean): LogFormat {
  return config.file === null && stderrIsTTY ? 'human' : 'json';
}

export interface LoggerOptions {
  /** Default `json`; the CLI picks `human` for a terminal (see chooseLogFormat). */
  format?: LogFormat;
  /** Called with every warning or error message as it is logged (the CLI avoids printing it twice). */
  onProblem?: (message: string) => void;
  /** Where human lines go (tests); default fd 2. */
  writeHuman?: (line: string) => void;
}

/** Context fields worth a person's attention; the rest (pid, instance, paths of caches) is noise at a terminal. */
const HUMAN_FIELDS = ['fix', 'path', 'reason', 'err'] as const;

/**
 * pino to stderr (fd 2) or to a file. Never stdout: stdout carries JSON-RPC frames only.
 * Synchronous destinations so lines are not lost when the process exits right after logging.
 */
export function createLogger(config: LoggingConfig, base: Record<string, unknown> = {}, opts: LoggerOptions = {}): Logger {
  const destination: DestinationStream =
    config.file !== null
      ? pino.destination({ dest: config.file, sync: true, mkdir: true })
      : opts.format === 'human'
        ? humanDestination(opts.writeHuman ?? ((line) => writeSync(2, line)))
        : pino.destination({ dest: 2, sync: true });
  const onProblem = opts.onProblem;
  return pino(
    {
      level: config.level,
      base: { pid: process.pid, ...base },
      ...(onProblem
        ? {
            hooks: {
              logMethod(args, method, level) {
                if (level >= 40) {
                  const msg = typeof args[0] === 'string' ? args[0] : args[1];
                  if (typeof msg === 'string') onProblem(msg);
                }
                return method.apply(this, args);
              },
            },
          }
        : {}),
    },
    destination,
  );
}

/**
 * pino-pretty's formatter, written synchronously: `12:00:00 WARN: message (fix: …)`. Each line
 * starts by clearing the terminal line, so a progress bar being drawn does not run into it.
 */
function humanDestination(write: (line: string) => void): DestinationStream {
  const pretty = prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    hideObject: true,
    ignore: 'pid,hostname',
    messageFormat: (log, messageKey) => {
      const extras = HUMAN_FIELDS.filter((k) => typeof log[k] === 'string' && !String(log[messageKey]).includes(String(log[k]))).map((k) => `${k}: ${String(log[k])}`);
      const err = log['err'] as { stack?: unknown; message?: unknown } | undefined;
      const detail = typeof err === 'object' && err !== null ? `\n${String(err.stack ?? err.message)}` : '';
      return `${String(log[messageKey])}${extras.length > 0 ? ` (${extras.join('; ')})` : ''}${detail}`;
    },
  });
  return { write: (line: string) => write(`\r\x1b[2K${pretty(line)}`) };
}
