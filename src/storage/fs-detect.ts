/**
 * Detection of network file systems under the index directory. flock over NFS/SMB is emulated,
 * unreliable or absent, and rename/fsync semantics are weaker, so the caller warns the user.
 *
 * Linux only (reads /proc/self/mountinfo, falling back to /proc/mounts). Other platforms return
 * null: macOS and Windows have no cheap, dependency-free way to ask, and a missing warning is
 * better than a wrong one.
 */
import { readFile, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** File system types whose locking or durability cannot be trusted for the index. */
const NETWORK_FS_TYPES = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'smb2', '9p', 'afs', 'ceph', 'glusterfs', 'lustre',
  'gpfs', 'beegfs', 'ncpfs', 'coda', 'davfs', 'vboxsf', 'vmhgfs', 'fuse.sshfs', 'fuse.glusterfs',
  'fuse.cephfs', 'fuse.s3fs', 'fuse.rclone', 'fuse.gcsfuse', 'fuse.davfs2', 'fuse.vmhgfs-fuse',
]);

/** True for network (or host-shared) file system types, e.g. `nfs4`, `cifs`, `fuse.sshfs`. */
export function isNetworkFsType(fsType: string): boolean {
  return NETWORK_FS_TYPES.has(fsType.toLowerCase());
}

/** Parse `/proc/mounts` (fstab format: `source mountpoint type options dump pass`). */
export function parseProcMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, mountPoint, fsType] = line.trim().split(/\s+/);
    if (source === undefined || mountPoint === undefined || fsType === undefined) continue;
    entries.push({ source: unescapeMountField(source), mountPoint: unescapeMountField(mountPoint), fsType });
  }
  return entries;
}

/**
 * Parse `/proc/self/mountinfo`: `id parent major:minor root mountpoint options [optional…] - type source superopts`.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const separator = fields.indexOf('-', 6);
    const mountPoint = fields[4];
    const fsType = fields[separator + 1];
    if (separator < 0 || mountPoint === undefined || fsType === undefined) continue;
    entries.push({ mountPoint: unescapeMountField(mountPoint), fsType, source: unescapeMountField(fields[separator + 2] ?? '') });
  }
  return entries;
}

/**
 * The mount holding `realPath`: the longest mount point that is a path prefix of it (on
 * whole segments). Among equal mount points the last listed wins, as a later mount hides an earlier one.
 */
export function findMount(entries: readonly MountEntry[], realPath: string): MountEntry | null {
  let best: MountEntry | null = null;
  for (const entry of entries) {
    const point = entry.mountPoint;
    const contains = point === '/' || realPath === point || realPath.startsWith(`${point.replace(/\/+$/, '')}/`);
    if (contains && (best === null || point.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

/**
 * The network file system type `path` lives on (`nfs4`, `cifs`…), or null when it is local,
 * unknown, or the platform is not Linux. `path` need not exist yet: its nearest existing
 * ancestor is examined.
 */
export async function detectNetworkFilesystem(path: string): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  const real = await realpathOfNearestAncestor(path);
  const entries = await readFile('/proc/self/mountinfo', 'utf8').then(
    parseMountInfo,
    () => readFile('/proc/mounts', 'utf8').then(parseProcMounts, () => []),
  );
  const mount = findMount(entries, real);
  return mount !== null && isNetworkFsType(mount.fsType) ? mount.fsType : null;
}

async function realpathOfNearestAncestor(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      return await realpath(current);
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** Mount tables escape space, tab, newline and backslash as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
