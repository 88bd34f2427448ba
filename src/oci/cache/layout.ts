// The on-disk shape of the image cache: an OCI image layout, as LinuxKit writes it
// (lk:src/cmd/linuxkit/cache/open.go, provider.go, const.go). One place for these paths.
import { join } from 'node:path';
import { UserError } from '../../util/index.js';
import { digestProblem, parseDigest } from '../descriptor.js';

/** The content of `oci-layout`. */
export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_LAYOUT_VERSION = '1.0.0';
export const INDEX_FILE = 'index.json';
/** LinuxKit's lock file (lk:cache/const.go); we take the same fcntl lock on it. */
export const LOCK_FILE = '.lock';
/**
 * Where blobs are written before they are verified and renamed into blobs/sha256. Inside the
 * layout so the rename is on one filesystem; outside blobs/ so nothing that lists blobs ever
 * sees a partial one.
 */
export const TEMP_DIR = '.tmp';

/** Annotation that containerd/BuildKit/docker use for an image's full name in OCI tars. */
export const CONTAINERD_IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';

/**
 * The hex part of a sha256 digest: the only file name a blob may have (blobs/sha256/<hex>), so
 * nothing else (`sha256:../..`) ever becomes a path. The cache holds sha256 blobs only, as
 * LinuxKit's (go-containerregistry's layout); a valid sha512 digest is refused here too.
 */
export function digestHex(digest: string): string {
  const { algorithm, encoded } = parseDigest(digest, 'image cache');
  if (algorithm !== 'sha256') throw new UserError(`image cache: blob ${digest}: only sha256 blobs can be stored (as in LinuxKit's cache)`);
  return encoded;
}

export function isDigest(s: string): boolean {
  return digestProblem(s) === undefined && s.startsWith('sha256:');
}

export function blobPath(root: string, digest: string): string {
  return join(root, 'blobs', 'sha256', digestHex(digest));
}

export function blobsDir(root: string): string {
  return join(root, 'blobs', 'sha256');
}
