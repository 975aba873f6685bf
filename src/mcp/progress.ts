import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { DocsService } from './service.js';

/** The part of a request handler's `extra` progress needs. */
export interface ProgressExtra {
  _meta?: { progressToken?: string | number; [key: string]: unknown };
  sendNotification: (notification: ServerNotification) => Promise<void>;
}

export interface ProgressOptions {
  /** What the call is doing once the index is loaded, e.g. "Listing documents". */
  activity: string;
  /** A call still running after this long is a call that waits: it starts reporting (default 200 ms). */
  firstAfterMs?: number;
  /** Between two notifications (default 250 ms). */
  intervalMs?: number;
}

/** Why the call is waiting, from the service's status. */
function progressMessage(service: DocsService, activity: string): string {
  const s = service.status();
  if (s.state === 'loading') return 'Waiting for the index to load before answering';
  if (s.state === 'indexing' && s.pending_files > 0) return `${activity} (indexing: ${s.documents} documents so far, ${s.pending_files} files pending)`;
  return activity;
}

/**
 * Runs `work`, sending `notifications/progress` while it waits when the client asked for them
 * (a `progressToken` in the request's `_meta`); without a token it sends nothing. A call made
 * while the index loads reports at once; any other call only once it has run `firstAfterMs`, so
 * quick answers carry no noise. The total is unknown while waiting, so `progress` counts
 * notifications; a last one with `total` equal to `progress` marks the end before the answer.
 */
export async function withProgress<T>(service: DocsService, extra: ProgressExtra | undefined, opts: ProgressOptions, work: () => Promise<T>): Promise<T> {
  const token = extra?._meta?.progressToken;
  if (extra === undefined || token === undefined) return work();
  let sent = 0;
  let chain: Promise<void> = Promise.resolve();
  // Sent in order, and never failing the call: progress is advice, the answer is what matters.
  const send = (message: string, done = false): void => {
    sent++;
    const params = { progressToken: token, progress: sent, ...(done ? { total: sent } : {}), message };
    chain = chain.then(() => extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined));
  };
  const tick = (): void => send(progressMessage(service, opts.activity));
  if (service.status().state === 'loading') tick();
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    tick();
    interval = setInterval(tick, opts.intervalMs ?? 250);
  }, sent > 0 ? (opts.intervalMs ?? 250) : (opts.firstAfterMs ?? 200));
  try {
    return await work();
  } finally {
    clearTimeout(first);
    if (interval) clearInterval(interval);
    if (sent > 0) send('Done', true);
    await chain;
  }
}
