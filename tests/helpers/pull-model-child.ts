// Child process for model download tests: prints "ready", waits for a line on stdin (so several
// children can be released at the same moment), runs pullModel and prints its result as one JSON
// line ({"ok":true,"downloaded":…,"bytes":…} or {"ok":false,"code":…,"message":…}). It exits
// on its own after 30 s, so a failed test never leaves it running.
// Usage: pull-model-child <hubUrl> <cacheDir> <modelId> <revision> <dtype>
import { isAppError, errorMessage } from '../../src/core/errors.js';
import { pullModel } from '../../src/embed/model-store.js';

const [hubUrl, cacheDir, modelId, revision, dtype] = process.argv.slice(2);
if (hubUrl === undefined || cacheDir === undefined || modelId === undefined || revision === undefined || dtype === undefined) {
  process.stderr.write('usage: pull-model-child <hubUrl> <cacheDir> <modelId> <revision> <dtype>\n');
  process.exit(2);
}
setTimeout(() => process.exit(4), 30_000).unref();
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  process.stdin.once('data', () => resolve());
  process.stdin.once('end', () => process.exit(0));
});
try {
  const result = await pullModel({ hubUrl, cacheDir, modelId, revision, dtype, lockTimeoutMs: 20_000, idleTimeoutMs: 10_000 });
  process.stdout.write(`${JSON.stringify({ ok: true, downloaded: result.downloaded, bytes: result.bytes })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ok: false, code: isAppError(err) ? err.code : null, message: errorMessage(err) })}\n`);
}
process.exit(0);
