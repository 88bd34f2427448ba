// src/audit: `linuxkit audit`, least privilege of each container and KSPP settings of the kernel
// (docs/audit.md). What other folders may use of it (eslint.config.js keeps them to this file).
export { auditInputs, type AuditOptions } from './audit.js';
export { applyAcceptances } from './accept.js';
export { CONTAINER_RULES, SEVERITIES, type Rule, type Severity } from './rules.js';
export { KSPP_RULES, KSPP_SETTINGS, checkKspp } from './kspp.js';
export { failsAt, jsonReport, sarifReport, summaryLine, textReport } from './report.js';
export type { AuditReport, Finding, Location } from './types.js';
export { DOC_BEGIN, DOC_END, rulesMarkdown } from './docs.js';
