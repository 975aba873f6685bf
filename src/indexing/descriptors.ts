
/**
 * Running out of file descriptors (`EMFILE`: this process is at its `ulimit -n`; `ENFILE`: the
 * system-wide file table is full) says nothing about the file being opened: the same read
 * succeeds once descriptors are free. Such a read is therefore retried later, never recorded as
 * an unreadable file (which would hide the file from search until it next changes), and a
 * folder that cannot be listed for this reason is not taken for an empty one.
 */
export type DescriptorErrno = 'EMFILE' | 'ENFILE';

/**
 * EMFILE or ENFILE when `err` or an error in its cause chain has that code, else null. By code
 * only, not by message: a file named `EMFILE.md` that does not exist is not a descriptor problem.
 */
export function descriptorErrno(err: unknown): DescriptorErrno | null {
  for (let e: unknown = err, depth = 0; e !== null && e !== undefined && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'EMFILE' || code === 'ENFILE') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * The soft limit on open files of this process, or null where unknown. From the diagnostic
 * report (getrlimit), not /proc/self/limits: reading a file is what fails when it matters. It
 * costs a few milliseconds, so it is asked once per problem, not per file.
 */
export function openFileLimit(): number | null {
  try {
    const report = process.report?.getReport() as { userLimits?: { open_files?: { soft?: unknown } } } | undefined;
    const soft = report?.userLimits?.open_files?.soft;
    return typeof soft === 'number' && Number.isFinite(soft) ? soft : null;
  } catch {
    return null;
  }
}

/** What ran out, in words: `too many open files (EMFILE: this process's limit, ulimit -n, is 64)`. */
export function describeDescriptorErrno(errno: DescriptorErrno, limit: number | null = openFileLimit()): string {
  return errno === 'ENFILE'
    ? 'the system-wide table of open files is full (ENFILE, fs.file-max)'
    : `too many open files (EMFILE: this process's limit, ulimit -n, is ${limit ?? 'unknown'})`;
}

/** What frees descriptors, by cause; `then` says what happens next (a retry by itself, or a command). */
export function descriptorFix(errno: DescriptorErrno, pid: number, then: string): string {
  if (errno === 'ENFILE') {
    return `close programs that hold many files, or raise the system limit (\`sudo sysctl fs.file-max=2097152\`, persist it in /etc/sysctl.d/); ${then}`;
  }
  return (
    'raise the open-file limit of whatever starts the server: `ulimit -n 4096` in its shell (LimitNOFILE=4096 in a systemd unit), ' +
    `then restart it; or raise it for the running process with \`prlimit --pid ${pid} --nofile=4096:\`; ${then}`
  );
}

/** Waits between attempts at a read that failed for want of descriptors (ms). */
export const DESCRIPTOR_RETRY_MS: readonly number[] = [25, 100, 400];

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
