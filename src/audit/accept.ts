// Accepting a finding on purpose, always with a reason:
// - a comment on the line that caused it, or on comment lines right above that line:
//     capabilities: [all]  # audit: accept LK-CAP-001 an admin shell needs every capability
//   (several ids: `accept LK-NS-001,LK-NS-002 reason`);
// - an allow-list file (--accept FILE), a YAML list of {rule, name?, reason}: `name` is a
//   container's name or "kernel"; without it the rule is accepted everywhere.
// A missing reason or an unknown rule id is an error at its file:line:col; an acceptance that
// matches nothing is noted (it may be stale).
import { readFile } from 'node:fs/promises';
import { parseYaml, sourcePos } from '../config/index.js';
import { UserError, UserErrors, formatPos, type SourcePos } from '../util/index.js';
import { KSPP_RULES } from './kspp.js';
import { CONTAINER_RULES } from './rules.js';
import type { AuditReport, Finding } from './types.js';

const KNOWN = new Set([...CONTAINER_RULES, ...KSPP_RULES].map((r) => r.id));
const COMMENT = /(?:^|\s)#\s*audit:\s*accept\b(.*)$/;
const ID = /^LK-[A-Z0-9_]+(?:-[A-Z0-9_]+)*/;

interface Acceptance {
  ids: string[];
  reason: string;
  pos: SourcePos;
  /** A comment: the line it applies to; a file entry: the container name, if any. */
  line?: number;
  file?: string;
  name?: string;
  used: boolean;
}

function checkIds(ids: string[], pos: SourcePos, errors: UserError[]): void {
  for (const id of ids) if (!KNOWN.has(id)) errors.push(new UserError(`audit: accept names ${id}, which is no audit rule (docs/audit.md lists them)`, pos));
}

/** The `# audit: accept` comments of one text. */
export function acceptComments(text: string, file: string, errors: UserError[]): Acceptance[] {
  const lines = text.split('\n');
  const out: Acceptance[] = [];
  lines.forEach((raw, i) => {
    const m = COMMENT.exec(raw);
    if (!m) return;
    const pos = { file, line: i + 1, col: raw.indexOf('#') + 1 };
    let rest = m[1]!.trim();
    const ids: string[] = [];
    for (let id = ID.exec(rest); id; id = ID.exec(rest)) {
      ids.push(id[0]);
      rest = rest.slice(id[0].length).replace(/^\s*,?\s*/, '');
    }
    if (ids.length === 0) {
      errors.push(new UserError('audit: accept names no rule; write `# audit: accept LK-XXX-000 the reason`', pos));
      return;
    }
    const reason = rest.replace(/^[:\-–—]\s*/, '').trim();
    if (!reason) {
      errors.push(new UserError(`audit: accept ${ids.join(',')} gives no reason; a finding is only accepted with one`, pos));
      return;
    }
    checkIds(ids, pos, errors);
    // A comment alone on its line applies to the next line that is not a comment.
    let line = i + 1;
    if (raw.trimStart().startsWith('#')) {
      let j = i + 1;
      while (j < lines.length && /^\s*(#.*)?$/.test(lines[j]!)) j++;
      line = j + 1;
    }
    out.push({ ids, reason, pos, line, file, used: false });
  });
  return out;
}

/** The entries of an --accept file. */
export async function acceptFile(file: string, errors: UserError[]): Promise<Acceptance[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`--accept: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
  }
  const { value } = parseYaml(text, file);
  const top: SourcePos = { file, line: 1, col: 1 };
  if (!Array.isArray(value)) throw new UserError('an accept file is a YAML list of {rule, name, reason}', sourcePos(value as object) ?? top);
  const out: Acceptance[] = [];
  value.forEach((item: unknown, i) => {
    const pos = sourcePos(value, i) ?? top;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push(new UserError('an accept entry is a mapping {rule, name, reason}', pos));
      return;
    }
    const e = item as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!['rule', 'name', 'reason'].includes(k))
        errors.push(new UserError(`unknown field ${k} (an accept entry has rule, name and reason)`, sourcePos(e, k) ?? pos));
    }
    if (typeof e.rule !== 'string') {
      errors.push(new UserError('rule: the rule id to accept (e.g. LK-CAP-001) is missing', pos));
      return;
    }
    if (typeof e.reason !== 'string' || !e.reason.trim()) {
      errors.push(new UserError(`accepting ${e.rule} needs a reason (reason: …)`, pos));
      return;
    }
    if (e.name !== undefined && typeof e.name !== 'string') errors.push(new UserError('name: a container name or "kernel"', sourcePos(e, 'name') ?? pos));
    checkIds([e.rule], sourcePos(e, 'rule') ?? pos, errors);
    out.push({ ids: [e.rule], reason: e.reason.trim(), pos, ...(typeof e.name === 'string' && { name: e.name }), used: false });
  });
  return out;
}

function matches(a: Acceptance, f: Finding): boolean {
  if (!a.ids.includes(f.rule.id)) return false;
  if (a.line !== undefined) return f.location !== undefined && f.location.file === a.file && f.location.line === a.line && f.location.member === undefined;
  return a.name === undefined || a.name === f.name;
}

/**
 * Marks the findings accepted by comments in the files they point at and by the accept files;
 * throws every malformed acceptance at once; notes acceptances that match nothing.
 */
export async function applyAcceptances(report: AuditReport, acceptFiles: string[], extraFiles: string[] = []): Promise<void> {
  const errors: UserError[] = [];
  const files = new Set([...extraFiles, ...report.findings.flatMap((f) => (f.location && f.location.member === undefined ? [f.location.file] : []))]);
  const all: Acceptance[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // stdin, a URL: no comments to read again
    }
    all.push(...acceptComments(text, file, errors));
  }
  for (const file of acceptFiles) all.push(...(await acceptFile(file, errors)));
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
  for (const f of report.findings) {
    const a = all.find((x) => matches(x, f));
    if (!a) continue;
    a.used = true;
    f.accepted = { reason: a.reason, where: formatPos(a.pos) };
  }
  for (const a of all) if (!a.used) report.notes.push(`${formatPos(a.pos)}: accepting ${a.ids.join(',')} matches no finding (stale?)`);
}
