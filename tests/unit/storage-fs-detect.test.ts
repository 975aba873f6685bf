import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectNetworkFilesystem,
  findMount,
  isNetworkFsType,
  parseMountInfo,
  parseProcMounts,
} from '../../src/storage/fs-detect.js';

const PROC_MOUNTS = `
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /tmp tmpfs rw 0 0
server:/export/home /home nfs4 rw,vers=4.2 0 0
//nas/share /mnt/my\\040share cifs rw,vers=3.0 0 0
user@host:/srv /home/me/remote fuse.sshfs rw,nosuid 0 0
/dev/sdb1 /home/me/local ext4 rw 0 0
`;

const MOUNTINFO = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw
40 22 0:45 / /data rw,relatime shared:30 master:2 - nfs server:/data rw,vers=3
41 40 8:17 / /data/scratch rw - xfs /dev/sdb1 rw
42 22 0:50 / /mnt/win\\040docs rw - 9p drvfs rw
`;

describe('parseProcMounts', () => {
  test('reads mount point, type and source, unescaping octal', () => {
    const entries = parseProcMounts(PROC_MOUNTS);
    assert.equal(entries.length, 7);
    assert.deepEqual(entries[4], { source: '//nas/share', mountPoint: '/mnt/my share', fsType: 'cifs' });
  });
});

describe('parseMountInfo', () => {
  test('finds the type after the separator even with several optional fields', () => {
    const entries = parseMountInfo(MOUNTINFO);
    assert.deepEqual(
      entries.map((e) => [e.mountPoint, e.fsType]),
      [['/', 'ext4'], ['/proc', 'proc'], ['/data', 'nfs'], ['/data/scratch', 'xfs'], ['/mnt/win docs', '9p']],
    );
    assert.equal(entries[2]?.source, 'server:/data');
  });

  test('skips malformed lines', () => {
    assert.deepEqual(parseMountInfo('garbage\n\n1 2 3\n'), []);
  });
});

describe('findMount', () => {
  const mounts = parseProcMounts(PROC_MOUNTS);
  const typeOf = (path: string) => findMount(mounts, path)?.fsType;

  test('picks the longest mount-point prefix on whole path segments', () => {
    assert.equal(typeOf('/home/alice/.cache/ragdocs'), 'nfs4');
    assert.equal(typeOf('/home/me/local/index'), 'ext4');
    assert.equal(typeOf('/home/me/remote/docs'), 'fuse.sshfs');
    assert.equal(typeOf('/home'), 'nfs4');
    assert.equal(typeOf('/homework/x'), 'ext4'); // not under /home
    assert.equal(typeOf('/mnt/my share/idx'), 'cifs');
    assert.equal(typeOf('/var/lib'), 'ext4');
  });

  test('a later mount on the same point hides an earlier one', () => {
    const stacked = parseProcMounts('a / ext4 rw 0 0\nb /x ext4 rw 0 0\nc /x nfs rw 0 0\n');
    assert.equal(findMount(stacked, '/x/y')?.fsType, 'nfs');
  });

  test('nested local mount under a network mount is local', () => {
    const info = parseMountInfo(MOUNTINFO);
    assert.equal(findMount(info, '/data/scratch/idx')?.fsType, 'xfs');
    assert.equal(findMount(info, '/data/idx')?.fsType, 'nfs');
  });
});

describe('isNetworkFsType', () => {
  test('classifies common types', () => {
    for (const t of ['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', '9p', 'fuse.sshfs', 'afs', 'ceph', 'glusterfs', 'lustre', 'NFS4']) {
      assert.equal(isNetworkFsType(t), true, t);
    }
    for (const t of ['ext4', 'xfs', 'btrfs', 'tmpfs', 'apfs', 'overlay', 'zfs', 'fuse.portal']) {
      assert.equal(isNetworkFsType(t), false, t);
    }
  });
});

describe('detectNetworkFilesystem', () => {
  test('returns a string or null for real paths, including ones that do not exist yet', async () => {
    const result = await detectNetworkFilesystem('/definitely/not/here/index');
    assert.ok(result === null || typeof result === 'string');
    if (process.platform !== 'linux') assert.equal(result, null);
  });
});
