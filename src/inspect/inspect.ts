// `linuxkit inspect`: what an image is made of. The input is a build's output (a tar, or a
// kernel+initrd prefix, or one of its files, or an initrd alone) or YAML configs, which are built
// first (into a temporary directory, in the format asked for) and the result inspected.
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFromConfig, planOutputs } from '../build/index.js';
import { loadConfigs, type Config } from '../config/index.js';
import type { RegistryClientOptions } from '../oci/index.js';
import { showTagResolver } from '../pkg/index.js';
import { UserError } from '../util/index.js';
import { kernelInitrdFiles, kernelInitrdWalk, type KernelInitrdFiles } from './initrd.js';
import { detectInitrd } from './members.js';
import { summarize, tree } from './summary.js';
import { tarWalk } from './tar.js';
import type { InspectReport, TreeNode, Walk } from './types.js';

export interface InspectOptions {
  /** For YAML inputs: the build's settings. */
  cacheDir: string;
  arch: string;
  /** The format YAML inputs are built to: kernel+initrd (the default) or tar. */
  format?: 'kernel+initrd' | 'tar';
  pull?: boolean;
  registry?: RegistryClientOptions;
}

export interface Inspection {
  report: InspectReport;
  /** The treemap's tree (for --html). */
  tree: () => TreeNode;
}

const OUTPUT_SUFFIX = /-(kernel|initrd\.img|cmdline)$/;

/** Reads the first bytes of a file; undefined when it is not a regular file. */
async function head(file: string, n: number): Promise<Buffer | undefined> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The files of a kernel+initrd output named by its prefix or one of its files; undefined when there is none. */
export function kernelInitrdOutput(input: string): Promise<KernelInitrdFiles | undefined> {
  return kernelInitrdFiles(input.replace(OUTPUT_SUFFIX, ''));
}

/** Reads an output (tar, kernel+initrd prefix or file, initrd); undefined when `input` is none. */
export async function walkOutput(input: string, initNames?: string[]): Promise<Walk | undefined> {
  const h = await head(input, 512);
  if (h && h.length >= 262 && h.subarray(257, 262).toString('latin1') === 'ustar') return tarWalk(input);
  const files = await kernelInitrdOutput(input);
  if (files) return kernelInitrdWalk(files, initNames);
  if (h && detectInitrd(h)) return kernelInitrdWalk({ initrd: input }, initNames);
  return undefined;
}

export async function inspect(inputs: string[], o: InspectOptions): Promise<Inspection> {
  const label = inputs.join(' ');
  if (inputs.length === 1) {
    const walk = await walkOutput(inputs[0]!);
    if (walk) return inspection(label, walk);
  }
  for (const i of inputs) {
    if (!/\.ya?ml$/.test(i) && i !== '-' && !/^https?:\/\//.test(i) && !(await stat(i).catch(() => undefined))) {
      throw new UserError(`${i}: no such file, nor a kernel+initrd output (${i}-initrd.img)`);
    }
  }
  return inspectYaml(inputs, o, label);
}

function inspection(label: string, walk: Walk): Inspection {
  return { report: summarize(label, walk), tree: () => tree(walk, label) };
}

/** YAML inputs: what a build of them reads. */
export type YamlBuildOptions = Omit<InspectOptions, 'format'>;

/**
 * Builds YAML configs (merged in order) into `dir` as NAME (kernel+initrd: DIR/NAME-kernel, …;
 * tar: DIR/NAME.tar); resolves to the output's path (the prefix for kernel+initrd) and the config.
 */
export async function buildYaml(
  configs: string[],
  o: YamlBuildOptions,
  dir: string,
  name: string,
  format: 'kernel+initrd' | 'tar',
): Promise<{ output: string; config: Config }> {
  const config = await loadConfigs(configs, { resolvePackage: showTagResolver, allowLocalFiles: true });
  const plan = planOutputs({ configs, formats: [format], name, dir });
  await buildFromConfig(config, plan, {
    configs,
    formats: [format],
    cacheDir: o.cacheDir,
    arch: o.arch,
    ...(o.pull !== undefined && { pull: o.pull }),
    ...(o.registry && { registry: o.registry }),
  });
  return { output: format === 'tar' ? plan.output! : join(dir, name), config };
}

/** Builds the YAML configs into a temporary directory and inspects the output. */
async function inspectYaml(configs: string[], o: InspectOptions, label: string): Promise<Inspection> {
  const format = o.format ?? 'kernel+initrd';
  const dir = await mkdtemp(join(tmpdir(), 'linuxkit-inspect-'));
  try {
    const { output, config } = await buildYaml(configs, o, dir, 'image', format);
    const walk = await walkOutput(output, (config.init ?? []).map(String));
    if (!walk) throw new Error(`inspect: the build wrote no ${format} output in ${dir}`);
    // The outputs are gone once reported: name them by what they came from.
    walk.outputs = walk.outputs.map((x) => ({ ...x, file: x.file.replace(join(dir, 'image'), `(built) ${format}`) }));
    return inspection(label, walk);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
