// Hashing is the one bit of node: usage allowed in core/: it is pure computation.
import { createHash } from 'node:crypto';

/** sha256 hex digest of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
