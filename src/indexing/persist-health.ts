import { errorMessage, isAppError } from '../core/errors.js';
import { descriptorFix } from './descriptors.js';

/**
 * Why the index cannot be saved to its directory, in words a user can act on. A disk that is
 * full or read-only does not heal by itself within a one-shot command's lifetime, so such a
 * command gives up (bounded) while a server keeps retrying and says it is degraded meanwhile.
 */
export interface PersistFailure {
  /** The file-system error code when one is known (ENOSPC, EROFS, EACCES…), else null. */
  errno: string | null;
  /** The error as it was thrown (names the generation and the directory). */
  message: string;
  /** Consecutive failed write cycles. */
  attempts: number;
  /** ISO time of the first failure of this streak. */
  since: string;
}

/**
 * Error codes that say the index directory cannot take writes right now (not contention, not a
 * bug). EMFILE/ENFILE (no descriptor left to open the file with) also stand for files of the
 * folder that could not be read: the write cycle fails, is retried with back-off, and the
 * status names the cause and the fix the same way.
 */
const PERSIST_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EFBIG', 'EIO', 'EMFILE', 'ENFILE']);

/** The errno of `err` or of an error in its `cause` chain, when it is one of PERSIST_ERRNOS. */
export function persistErrno(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e !== null && e !== undefined && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && PERSIST_ERRNOS.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  // An AppError's message keeps the errno of the Node error it wraps ("ENOSPC: no space left…").
  const m = /\b(ENOSPC|EDQUOT|EROFS|EACCES|EPERM|EFBIG|EIO|EMFILE|ENFILE)\b/.exec(errorMessage(err));
  return m ? (m[1] as string) : null;
}

/** True when `err` means the index directory cannot be written (as opposed to a lock timeout or a bug). */
export function isPersistError(err: unknown): boolean {
  return persistErrno(err) !== null || (isAppError(err) && err.code === 'INDEX_UNWRITABLE');
}

/** What fixes a directory that cannot be written, by cause; `then` says what happens next (retry by itself, or a command). */
export function persistFix(errno: string | null, indexDir: string, then: string): string {
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return `free space on the file system holding ${indexDir} (see \`df -h ${indexDir}\`), or pass --index-dir on a disk with room; ${then}`;
    case 'EROFS':
      return `the file system holding ${indexDir} is read-only: remount it read-write or pass --index-dir pointing to a writable folder; ${then}`;
    case 'EMFILE':
    case 'ENFILE':
      return descriptorFix(errno, process.pid, then);
    case 'EACCES':
    case 'EPERM':
      return `make ${indexDir} writable by this user (see \`ls -ld ${indexDir}\`) or pass --index-dir pointing to a writable folder; ${then}`;
    default:
      return `check that ${indexDir} is writable and has free space; ${then}`;
  }
}
