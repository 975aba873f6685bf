import type { IndexStatus } from '../core/types.js';

/** One carriage-returned progress line for a TTY (stderr). */
export function renderProgress(s: IndexStatus, width = 30): string {
  const done = s.files_parsed + s.files_unchanged;
  const total = done + s.pending_files;
  const ratio = total === 0 ? 1 : done / total;
  const filled = Math.round(ratio * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const embedding =
    s.embedder_state === 'downloading' || s.embedder_state === 'loading'
      ? ` · ${s.embedder}`
      : s.embedder_state === 'ready' && s.chunks_embedded < s.chunks
        ? ` · embedded ${s.chunks_embedded}/${s.chunks}`
        : '';
  return `\r\x1b[2K${bar} ${Math.round(ratio * 100)}% ${done}/${total} files, ${s.chunks} chunks${embedding}`;
}
