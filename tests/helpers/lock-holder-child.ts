// Child process for lock tests: takes the index lock of argv[2] in mode argv[3] (default
// exclusive), prints "locked <pid>" and holds it until killed. It exits on its own when its
// parent goes away (stdin closes) or after 60 s, so a failed test never leaves it running.
import { openLockFile, type LockMode } from '../../src/storage/lock.js';

const indexDir = process.argv[2];
const mode = (process.argv[3] ?? 'exclusive') as LockMode;
if (indexDir === undefined) {
  process.stderr.write('usage: lock-holder-child <indexDir> [exclusive|shared]\n');
  process.exit(2);
}
const lock = await openLockFile(indexDir, { instanceId: `child-${process.pid}` });
const handle = await lock.tryAcquire(mode);
if (handle === null) {
  process.stdout.write('busy\n');
  process.exit(3);
}
process.stdout.write(`locked ${process.pid}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), 60_000).unref();
setInterval(() => undefined, 1000);
