// The resolver for "@pkg:DIR" templates in `linuxkit build` YAML, as LinuxKit's
// createPackageResolver (lk:src/cmd/linuxkit/buildtemplate.go): the package at DIR (relative to
// the YAML file) with the default options (build.yml, hash of HEAD or of the files), replaced by
// its full reference, e.g. docker.io/linuxkit/init:<hash> — the tag `pkg build DIR` stores under.
import type { PackageResolver } from '../config/index.js';
import { canonicalRef, loadPackage } from './package.js';

export const showTagResolver: PackageResolver = async (pkgDir) => canonicalRef(loadPackage(pkgDir));
