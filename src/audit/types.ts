// What an audit produces: located findings, each with its rule, and notes on what could not be
// checked. The reports (report.ts) and the accept step (accept.ts) work on these.
import type { Rule } from './rules.js';

/** Where a finding was caused: a line of a file, or a member of an output tar. */
export interface Location {
  file: string;
  line?: number;
  col?: number;
  /** A path inside `file` (e.g. containers/services/getty/config.json of a tar). */
  member?: string;
}

/** How the setting came about: written in the YAML, in the image's label, a LinuxKit default, read from an output or a kernel config. */
export type Origin = 'yaml' | 'label' | 'default' | 'output' | 'kernel';

export interface Accepted {
  reason: string;
  /** Where the acceptance was written (file:line). */
  where: string;
}

export interface Finding {
  rule: Rule;
  /** The container or kernel: "services[1] getty", "kernel". */
  subject: string;
  /** The container's name (for accept files), or "kernel". */
  name: string;
  /** What exactly: the capability, the bind, CONFIG_X=n. */
  detail: string;
  origin: Origin;
  location?: Location;
  accepted?: Accepted;
}

export interface AuditReport {
  /** What was audited, as given. */
  inputs: string[];
  findings: Finding[];
  /** What could not be checked, and why (an image not in the cache, no kernel config…). */
  notes: string[];
}

/** "file:line:col", "file:line", "file (member)" or "file". */
export function formatLocation(l: Location): string {
  if (l.member) return `${l.file}:${l.member}`;
  if (l.line === undefined) return l.file;
  return l.col === undefined ? `${l.file}:${l.line}` : `${l.file}:${l.line}:${l.col}`;
}
