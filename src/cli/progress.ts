/** What a progress line shows: `done` of a `total` fixed when the bar starts. */
export interface ProgressFrame {
  label: string;
  done: number;
  total: number;
  /** Milliseconds since the bar started. */
  elapsedMs: number;
  /** Unit counted, plural: `files`, `chunks`. */
  unit: string;
}

/**
 * One progress line (no terminal control codes): bar, percent, counts, rate and ETA.
 * `done` is clamped to `total`, so the bar never passes 100 % and a finished run shows exactly 100 %.
 */
export function formatProgressLine(f: ProgressFrame, width = 24): string {
  const total = Math.max(0, f.total);
  const done = Math.min(Math.max(0, f.done), total);
  const ratio = total === 0 ? 1 : done / total;
  const filled = Math.round(ratio * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const seconds = f.elapsedMs / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const parts = [`${f.label} ${bar} ${Math.floor(ratio * 100)}%`, `${done}/${total} ${f.unit}`];
  // A rate from the first few hundred milliseconds is mostly start-up cost, not throughput.
  if (seconds >= 0.5 && done > 0) {
    parts.push(`${formatRate(rate)} ${f.unit}/s`);
    if (done < total) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
  }
  if (done >= total && seconds > 0) parts.push(`in ${formatDuration(seconds)}`);
  return parts.join(' · ');
}

function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export interface ProgressBarOptions {
  label: string;
  unit: string;
  /** Known before the bar starts (the folder is scanned first); it does not change while it runs. */
  total: number;
  /** Current count, read on every redraw. */
  read: () => number;
  write: (text: string) => void;
  intervalMs?: number;
  now?: () => number;
}

export interface ProgressBar {
  /** Draws the final state at 100 % and ends the line. */
  finish(): void;
  /** Clears the line without a final state (the work failed). */
  stop(): void;
}

/** A bar redrawn in place on a terminal; the caller decides whether there is one (never when stderr is not a TTY). */
export function startProgressBar(opts: ProgressBarOptions): ProgressBar {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const frame = (done: number): string =>
    formatProgressLine({ label: opts.label, unit: opts.unit, total: opts.total, done, elapsedMs: now() - started });
  const draw = (): void => opts.write(`\r\x1b[2K${frame(opts.read())}`);
  draw();
  const timer = setInterval(draw, opts.intervalMs ?? 200);
  let ended = false;
  return {
    finish() {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      opts.write(`\r\x1b[2K${frame(opts.total)}\n`);
    },
    stop() {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      opts.write('\r\x1b[2K');
    },
  };
}
