// The audit's reports: text for people, JSON for programs, SARIF 2.1.0 for code-scanning tools
// (GitHub code scanning and others read the rules' help, each result's file/line/column, and
// accepted findings as suppressions). Paths are shown relative to the working directory.
import { isAbsolute, relative, sep } from 'node:path';
import { VERSION } from '../version.js';
import { SEVERITIES, severityRank, type Rule, type Severity } from './rules.js';
import { formatLocation, type AuditReport, type Finding, type Location } from './types.js';

/** A path as the user would write it from here. */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : file;
}

function shown(l: Location | undefined): string {
  return l ? formatLocation({ ...l, file: displayPath(l.file) }) : '';
}

/** Findings, highest severity first, then by place. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.rule.severity) - severityRank(a.rule.severity) || shown(a.location).localeCompare(shown(b.location)) || a.rule.id.localeCompare(b.rule.id),
  );
}

export function counts(report: AuditReport): Record<Severity | 'accepted', number> {
  const c = { high: 0, medium: 0, low: 0, accepted: 0 };
  for (const f of report.findings) {
    if (f.accepted) c.accepted++;
    else c[f.rule.severity]++;
  }
  return c;
}

/** "2 high, 10 medium, 31 low (5 accepted)". */
export function summaryLine(report: AuditReport): string {
  const c = counts(report);
  return `${SEVERITIES.map((s) => `${c[s]} ${s}`).join(', ')} (${c.accepted} accepted)`;
}

export function textReport(report: AuditReport): string {
  const out: string[] = [];
  const bySubject = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const list = bySubject.get(f.subject) ?? [];
    list.push(f);
    bySubject.set(f.subject, list);
  }
  for (const [subject, findings] of bySubject) {
    out.push(subject);
    for (const f of sortFindings(findings)) {
      const sev = f.accepted ? 'accepted' : f.rule.severity;
      out.push(`  ${sev.padEnd(8)} ${f.rule.id.padEnd(12)} ${f.rule.title}${f.detail ? `: ${f.detail}` : ''}${f.location ? `  ${shown(f.location)}` : ''}`);
      if (f.accepted) out.push(`           ${' '.repeat(12)} accepted at ${displayPath(f.accepted.where)}: ${f.accepted.reason}`);
      else if (f.rule.severity !== 'low') out.push(`           ${' '.repeat(12)} fix: ${f.rule.fix}`);
    }
  }
  for (const n of report.notes) out.push(`note: ${n}`);
  out.push(`audit: ${summaryLine(report)}`);
  return out.join('\n') + '\n';
}

function jsonFinding(f: Finding): object {
  return {
    rule: f.rule.id,
    severity: f.rule.severity,
    title: f.rule.title,
    subject: f.subject,
    name: f.name,
    detail: f.detail,
    origin: f.origin,
    ...(f.location && { location: { ...f.location, file: displayPath(f.location.file) } }),
    fix: f.rule.fix,
    reference: f.rule.reference,
    ...(f.accepted && { accepted: { ...f.accepted, where: displayPath(f.accepted.where) } }),
  };
}

export function jsonReport(report: AuditReport): string {
  return (
    JSON.stringify({ inputs: report.inputs, summary: counts(report), findings: sortFindings(report.findings).map(jsonFinding), notes: report.notes }, null, 2) +
    '\n'
  );
}

const LEVEL: Record<Severity, string> = { high: 'error', medium: 'warning', low: 'note' };
/** GitHub code scanning ranks security alerts by this number (high ≥ 7, medium ≥ 4). */
const SECURITY_SEVERITY: Record<Severity, string> = { high: '8.0', medium: '5.0', low: '2.0' };
const INFO_URI = 'https://github.com/linuxkit/linuxkit';

function sarifRule(r: Rule): object {
  return {
    id: r.id,
    name: r.id.replace(/[^A-Za-z0-9]/g, ''),
    shortDescription: { text: r.title },
    fullDescription: { text: r.help },
    help: { text: `${r.help}\nFix: ${r.fix}\nReference: ${r.reference}`, markdown: `${r.help}\n\n**Fix:** ${r.fix}\n\n**Reference:** ${r.reference}` },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['security'], 'security-severity': SECURITY_SEVERITY[r.severity], precision: 'high' },
  };
}

function uri(file: string): string {
  return displayPath(file).split(sep).map(encodeURIComponent).join('/');
}

function sarifLocation(l: Location): object {
  const physicalLocation: Record<string, unknown> = {
    artifactLocation: { uri: uri(l.file), ...(isAbsolute(displayPath(l.file)) ? {} : { uriBaseId: 'SRCROOT' }) },
  };
  if (l.line !== undefined) physicalLocation.region = { startLine: l.line, ...(l.col !== undefined && { startColumn: l.col }) };
  return { physicalLocation, ...(l.member && { logicalLocations: [{ fullyQualifiedName: l.member, kind: 'member' }] }) };
}

/** SARIF 2.1.0: one run, the rules that were found, one result per finding. */
export function sarifReport(report: AuditReport): string {
  const findings = sortFindings(report.findings);
  const rules = [...new Map(findings.map((f) => [f.rule.id, f.rule])).values()];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = findings.map((f) => ({
    ruleId: f.rule.id,
    ruleIndex: index.get(f.rule.id)!,
    level: LEVEL[f.rule.severity],
    message: { text: `${f.subject}: ${f.rule.title}${f.detail ? `: ${f.detail}` : ''}. ${f.rule.fix}` },
    locations: f.location ? [sarifLocation(f.location)] : [],
    ...(f.accepted && { suppressions: [{ kind: 'inSource', justification: f.accepted.reason }] }),
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'linuxkit-ts audit', informationUri: INFO_URI, semanticVersion: VERSION, rules: rules.map(sarifRule) } },
        originalUriBaseIds: { SRCROOT: { uri: `file://${process.cwd().split(sep).map(encodeURIComponent).join('/')}/` } },
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/** Whether an unaccepted finding is at `level` or above. */
export function failsAt(report: AuditReport, level: Severity): boolean {
  return report.findings.some((f) => !f.accepted && severityRank(f.rule.severity) >= severityRank(level));
}
