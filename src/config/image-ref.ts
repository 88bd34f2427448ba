// Checks an image reference at load time, so that a typo is reported with its position rather
// than when pulling. The grammar is the one of src/oci/reference.ts (Docker's).
import { parseNormalizedNamed } from '../oci/index.js';

/** Why `ref` is not a valid image reference, or undefined when it is. */
export function imageRefProblem(ref: string): string | undefined {
  if (ref === '') return 'an image reference is empty';
  if (ref.startsWith('@pkg:')) return undefined; // a template, resolved or reported elsewhere
  if (ref.includes('://')) return `"${ref}" is a URL, not an image reference (write host/path:tag)`;
  const port = /^[^/]+:([0-9]+)\//.exec(ref)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    return `"${ref}": registry port ${port} is out of range (1 to 65535)`;
  }
  try {
    parseNormalizedNamed(ref);
    return undefined;
  } catch (err) {
    return `${(err as Error).message} ([registry/]path[:tag][@sha256:digest])`;
  }
}
