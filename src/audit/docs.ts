// The rule tables of docs/audit.md, made from the rule tables themselves (rules.ts, kspp.ts) so
// the doc cannot drift: scripts/audit-doc.mjs writes them between the doc's markers, and a test
// fails when the doc's copy differs.
import { KSPP_REFERENCE, KSPP_RULES } from './kspp.js';
import { CONTAINER_RULES, type Rule } from './rules.js';

export const DOC_BEGIN = '<!-- audit-rules:begin (scripts/audit-doc.mjs writes this part) -->';
export const DOC_END = '<!-- audit-rules:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

function table(rules: readonly Rule[], withReference: boolean): string[] {
  const head = withReference
    ? ['| rule | severity | finding | why | fix | reference |', '|---|---|---|---|---|---|']
    : ['| rule | severity | setting | why |', '|---|---|---|---|'];
  return [
    ...head,
    ...rules.map((r) =>
      withReference
        ? `| ${r.id} | ${r.severity} | ${cell(r.title)} | ${cell(r.help)} | ${cell(r.fix)} | ${cell(r.reference)} |`
        : `| ${r.id} | ${r.severity} | \`${cell(r.title)}\` | ${cell(r.help.replace(/^KSPP recommends [^:]*: /, ''))} |`,
    ),
  ];
}

/** The generated part of docs/audit.md, markers included. */
export function rulesMarkdown(): string {
  return [
    DOC_BEGIN,
    '### Containers',
    '',
    ...table(CONTAINER_RULES, true),
    '',
    '### Kernel (KSPP)',
    '',
    `Reference for every rule below: ${KSPP_REFERENCE}.`,
    '',
    ...table(KSPP_RULES, false),
    DOC_END,
  ].join('\n');
}
