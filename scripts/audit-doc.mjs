// Writes the rule tables of docs/audit.md from the audit's rule tables (src/audit/docs.ts),
// between the doc's markers. Run after `npm run build` when a rule changes:
//   node scripts/audit-doc.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { DOC_BEGIN, DOC_END, rulesMarkdown } from '../dist/src/audit/index.js';

const file = new URL('../docs/audit.md', import.meta.url);
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf(DOC_BEGIN);
const end = doc.indexOf(DOC_END);
if (start < 0 || end < start) throw new Error('docs/audit.md has no rule markers');
writeFileSync(file, doc.slice(0, start) + rulesMarkdown() + doc.slice(end + DOC_END.length));
