/**
 * One error type for everything the application expects might fail. The `code` is
 * stable (UPPER_SNAKE) so callers can branch on it; the message names the value and
 * the next step for the user.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'PATH_OUTSIDE_ROOT'
  | 'FILE_TOO_LARGE'
  | 'FILE_BINARY'
  | 'FILE_UNREADABLE'
  | 'INDEX_CORRUPT'
  | 'INDEX_FORMAT'
  | 'INDEX_UNWRITABLE'
  | 'LOCK_TIMEOUT'
  | 'EMBEDDER_FAILED'
  | 'EMBEDDER_UNAVAILABLE'
  | 'MODEL_MISSING'
  | 'MODEL_DOWNLOAD_FAILED'
  | 'MODEL_INVALID'
  | 'NOT_READY'
  | 'INTERNAL';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it, shown as a hint at the MCP edge. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = options?.hint;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Message of any thrown value, for logs and status fields. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
