// The on-disk shape of the image cache: an OCI image layout, as LinuxKit writes it
// (lk:src/cmd/linuxkit/cache/open.go, provider.go, const.go). One place for these paths.
import { join } from 'node:path';
import { UserError } from '../../util/errors.js';

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

const DIGEST_RE = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a sha256 digest; throws a UserError for anything else. */
export function digestHex(digest: string): string {
  const m = DIGEST_RE.exec(digest);
  if (!m) throw new UserError(`unsupported or malformed digest "${digest}" (only sha256:<64 hex> is supported)`);
  return m[1]!;
}

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

export function blobPath(root: string, digest: string): string {
  return join(root, 'blobs', 'sha256', digestHex(digest));
}

export function blobsDir(root: string): string {
  return join(root, 'blobs', 'sha256');
}
