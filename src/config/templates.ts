// "@pkg:./path" templates: any string value of a local file that starts with @pkg: is replaced by
// the tag of the package at that path (relative to the file's directory), as `linuxkit pkg
// show-tag` prints it. The resolver is injected so that `pkg` can supply the real one.
import { resolve } from 'node:path';
import { UserError } from '../util/index.js';
import { joinPath, sourcePos } from './positions.js';

export const TEMPLATE_PKG = '@pkg:';

/** Given a package directory (absolute), returns its image tag, e.g. linuxkit/foo:<hash>. */
export type PackageResolver = (pkgDir: string) => Promise<string>;

/** The default until `pkg show-tag` exists: every template is an error, at its position. */
export const noPackageResolver: PackageResolver = async () => {
  throw new Error('templates need pkg show-tag, not available yet');
};

/** Replaces every @pkg: string in `root` in place; returns the problems found. */
export async function resolveTemplates(root: unknown, baseDir: string, resolver: PackageResolver): Promise<UserError[]> {
  const errors: UserError[] = [];
  const visit = async (obj: object, path: string): Promise<void> => {
    const entries: Array<[string | number, unknown]> = Array.isArray(obj) ? obj.map((v, i) => [i, v]) : Object.entries(obj);
    for (const [key, value] of entries) {
      const here = joinPath(path, key);
      if (typeof value === 'string' && value.startsWith(TEMPLATE_PKG)) {
        const pkgPath = value.slice(TEMPLATE_PKG.length);
        try {
          (obj as Record<string | number, unknown>)[key] = await resolver(resolve(baseDir, pkgPath));
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          errors.push(new UserError(`${here}: cannot resolve "${value}": ${why}`, sourcePos(obj, key), { cause: err }));
        }
      } else if (value !== null && typeof value === 'object') {
        await visit(value, here);
      }
    }
  };
  if (root !== null && typeof root === 'object') await visit(root, '');
  return errors;
}
