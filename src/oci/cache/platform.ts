// Platforms as LinuxKit names them (GOOS/GOARCH[/variant]) and how an index entry is matched.
import type { Platform } from '../types.js';
import { UserError } from '../../util/index.js';

const NODE_TO_OCI_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  s390x: 's390x',
  ppc64: 'ppc64le',
  riscv64: 'riscv64',
};

/** The OCI architecture of this machine (LinuxKit's runtime.GOARCH). */
export function hostArch(): string {
  return NODE_TO_OCI_ARCH[process.arch] ?? process.arch;
}

/** `linux/<this machine's arch>`, LinuxKit's default platform. */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: hostArch() };
}

/** Common spellings of architectures, to their OCI names (uname -m style → GOARCH). */
export function normalizeArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x86_64' || a === 'x86-64') return 'amd64';
  if (a === 'aarch64') return 'arm64';
  return a;
}

/** Parses `os/arch[/variant]` (or just `arch`, meaning linux/arch). */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.some((p) => p === '') || parts.length > 3) throw new UserError(`invalid platform "${text}": expected os/arch[/variant]`);
  if (parts.length === 1) return { os: 'linux', architecture: normalizeArch(parts[0]!) };
  const p: Platform = { os: parts[0]!, architecture: normalizeArch(parts[1]!) };
  if (parts[2]) p.variant = parts[2];
  return p;
}

export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown platform';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * Whether an index entry's platform serves `want`. Like LinuxKit (lk:cache/find.go
 * matchPlatformsOSArch) only OS and architecture must match, so arm64 finds arm64/v8; a
 * requested variant must match when one is given.
 */
export function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have) return false;
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  return !want.variant || !have.variant || have.variant === want.variant;
}
