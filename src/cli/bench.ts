// `linuxkit bench` (a linuxkit-ts addition; docs/bench.md): boots images N times, rounds
// interleaved, and reports each stage of their boot (median and spread), memory in use once the
// services are up, and size; as a text table, JSON, or an SVG timeline.
import { Command } from 'commander';
import { bench, jsonReport, svgTimeline, textReport } from '../bench/index.js';
import { hostArch, registryOptions } from '../oci/index.js';
import { writeOutputFile } from '../formats/index.js';
import { UserError } from '../util/index.js';
import { globalOptions } from './context.js';

interface BenchFlags {
  runs: number;
  mem: number;
  cpus: number;
  accel?: string;
  floor: boolean;
  json: boolean;
  svg?: string;
  timeout: number;
  keep?: string;
  arch: string;
  pull: boolean;
}

function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} takes a whole number of 1 or more, not "${v}"`);
    return n;
  };
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('Boot images N times and report each stage of the boot, memory in use and size (linuxkit-ts addition)')
    .argument('<input...>', 'YAML configs (built first; "a.yml,b.yml" merges them) or kernel+initrd outputs (a prefix or one of its files); each is one image')
    .option('--runs <n>', 'rounds: every image boots once per round', positiveInt('--runs'), 3)
    .option('--mem <MiB>', 'memory of each machine, MiB', positiveInt('--mem'), 128)
    .option('--cpus <n>', 'vCPUs of each machine', positiveInt('--cpus'), 1)
    .option('--accel <list>', 'qemu accelerator list (default: kvm:tcg where KVM runs guests, else tcg)')
    .option('--floor', 'also boot each kernel with a busybox initrd that powers off: the floor column', false)
    .option('--json', 'print the figures as JSON', false)
    .option('--svg <file>', 'also write the boot timeline as an SVG chart')
    .option('--timeout <s>', 'give up on a boot after this many seconds', positiveInt('--timeout'), 300)
    .option('--keep <dir>', 'keep the built images and machine states in this directory')
    .option('--arch <arch>', 'architecture to build YAML inputs for', hostArch())
    .option('--pull', 'YAML inputs: pull images even when they are cached', false)
    .action(async (inputs: string[], flags: BenchFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const report = await bench(inputs, {
        cacheDir: g.cache,
        arch: flags.arch,
        pull: flags.pull,
        registry: registryOptions(g),
        runs: flags.runs,
        mem: flags.mem,
        cpus: flags.cpus,
        ...(flags.accel && { accel: flags.accel }),
        floor: flags.floor,
        timeoutMs: flags.timeout * 1000,
        ...(flags.keep && { keep: flags.keep }),
      });
      if (flags.svg) await writeOutputFile(flags.svg, svgTimeline(report));
      process.stdout.write(flags.json ? jsonReport(report) : textReport(report));
      if (report.failures.length)
        throw new UserError(
          `${report.failures.length} of ${report.runs * (report.images.length + report.floors.length)} boots did not finish (see the report)`,
        );
    });
}
