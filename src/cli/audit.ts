// `linuxkit audit` (a linuxkit-ts addition; docs/audit.md): each container's privileges against
// least privilege (NIST SP 800-190) and the kernel's config against KSPP, as text, JSON or SARIF.
// Exit status: 0, or 2 when --fail-on finds an unaccepted finding at that severity or above;
// 1 for an error (as every command).
import { Command, Option } from 'commander';
import { applyAcceptances, auditInputs, failsAt, jsonReport, sarifReport, SEVERITIES, textReport, type Severity } from '../audit/index.js';
import { hostArch } from '../oci/index.js';
import { writeOutputFile } from '../formats/index.js';
import { UserError } from '../util/index.js';
import { collect, globalOptions } from './context.js';
import { ExitStatus } from './exit-status.js';

/** The exit status when --fail-on finds something (1 stays "the audit could not run"). */
export const AUDIT_FAILED = 2;

interface AuditFlags {
  json: boolean;
  sarif: boolean;
  output?: string;
  failOn?: Severity;
  accept: string[];
  kernelConfig?: string;
  merge: boolean;
  arch: string;
}

export function auditCommand(): Command {
  return new Command('audit')
    .description('Report what each container may do beyond least privilege, and the kernel config against KSPP (linuxkit-ts addition)')
    .argument('<file...>', "YAML configs (each audited alone unless --merge), packages' build.yml, or tars from `build -f tar`")
    .option('--json', 'print the findings as JSON', false)
    .option('--sarif', 'print the findings as SARIF 2.1.0 (for code scanning)', false)
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .addOption(new Option('--fail-on <severity>', `exit ${AUDIT_FAILED} when an unaccepted finding is at this severity or above`).choices(SEVERITIES))
    .option('--accept <file>', 'allow-list of accepted findings: a YAML list of {rule, name, reason} (repeatable)', collect, [])
    .option('--kernel-config <file>', "check this kernel .config (or /proc/config.gz) against KSPP instead of the kernel image's")
    .option('--merge', 'audit the YAML files as one config, merged in order as `build` does', false)
    .option('--arch <arch>', 'architecture of the images to read from the cache', hostArch())
    .action(async (files: string[], flags: AuditFlags, cmd: Command) => {
      if (flags.json && flags.sarif) throw new UserError('choose one of --json and --sarif');
      const report = await auditInputs(files, {
        cacheDir: globalOptions(cmd).cache,
        arch: flags.arch,
        merge: flags.merge,
        ...(flags.kernelConfig && { kernelConfig: flags.kernelConfig }),
      });
      await applyAcceptances(report, flags.accept, files);
      const text = flags.sarif ? sarifReport(report) : flags.json ? jsonReport(report) : textReport(report);
      if (flags.output) await writeOutputFile(flags.output, text);
      else process.stdout.write(text);
      if (flags.failOn && failsAt(report, flags.failOn)) throw new ExitStatus(AUDIT_FAILED);
    });
}
