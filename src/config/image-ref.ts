// Checks an image reference at load time, so that a typo is reported with its position rather
// than when pulling. The grammar is the one of src/oci/reference.ts (Docker's).
import { parseNormalizedNamed } from '../oci/reference.js';

/** Why `ref` is not a valid image reference, or undefined when it is. */
export function imageRefProblem(ref: string): string | undefined {
  if (ref === '') return 'an image reference is empty';
  if (ref.startsWith('@pkg:')) return undefined; // a template, resolved or reported elsewhere
  if (ref.includes('://')) return `"${ref}" is a URL, not an image reference (write host/path:tag)`;
  try {
    parseNormalizedNamed(ref);
    return undefined;
  } catch (err) {
    return `${(err as Error).message} ([registry/]path[:tag][@sha256:digest])`;
  }
}
