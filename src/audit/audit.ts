// `linuxkit audit`: what each input is, and its findings. Three kinds of input:
// - a YAML config (or several merged, as `build` merges them): each container's config.json is
//   computed by the spec step from its entry and its image's label, the label read from the
//   package's build.yml for @pkg: images (so findings name its lines) or from the image cache;
//   the kernel's .config is read from the kernel image in the cache;
// - a package's build.yml: its `config:` (the label) as a container of its own;
// - a `build -f tar` output: the config.json of each container and boot/config-* as built.
// Nothing is pulled: an image that is not in the cache is noted, and its label is not known.
import { createReadStream } from 'node:fs';
import { access, open, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CONTAINER_SECTIONS, loadConfigs, parseYaml, sourcePos, type Config, type ImageEntry } from '../config/index.js';
import { LayoutStore, MOBY_CONFIG_LABEL, normalizeReference, resolveImage, type ImageRuntimeConfig } from '../oci/index.js';
import { DEFAULT_BUILD_YML, showTagResolver } from '../pkg/index.js';
import { allocateIds, labelDefaults, resolveVolumes, toOCISpec, type OciSpec } from '../spec/index.js';
import { readAll, readTar } from '../tar/index.js';
import { UserError, utf8Text, type SourcePos } from '../util/index.js';
import { auditSpec } from './container.js';
import { BOOT_CONFIG, kernelImageConfig, readKernelConfigFile, type KernelConfigText } from './kernel.js';
import { checkKspp, KSPP_RULES } from './kspp.js';
import { locate, type EntrySources } from './locate.js';
import { displayPath } from './report.js';
import { containerRule } from './rules.js';
import type { AuditReport, Finding, Location } from './types.js';

export interface AuditOptions {
  /** The image cache (labels and kernel configs are read from it; nothing is pulled). */
  cacheDir: string;
  arch: string;
  /** A .config or config.gz to check instead of the kernel image's. */
  kernelConfig?: string;
  /** Audit the YAML files as one config, merged in order as `build` does (default: each alone). */
  merge?: boolean;
}

const KSPP_BY_ID = new Map(KSPP_RULES.map((r) => [r.id, r]));

/** Audits each input (or the YAML files merged); findings are not yet accepted (accept.ts). */
export async function auditInputs(inputs: string[], o: AuditOptions): Promise<AuditReport> {
  const report: AuditReport = { inputs, findings: [], notes: [] };
  const kernelFile = o.kernelConfig ? await readKernelConfigFile(o.kernelConfig) : undefined;
  const ctx = new Context(o, report, kernelFile);
  const yamls: string[] = [];
  for (const input of inputs) {
    if (await isTar(input)) await ctx.tar(input);
    else if (basename(input) === DEFAULT_BUILD_YML) await ctx.buildYml(input);
    else yamls.push(input);
  }
  if (o.merge && yamls.length) await ctx.yaml(yamls);
  else for (const y of yamls) await ctx.yaml([y]);
  // One kernel config given: checked once, in place of the inputs' kernels.
  if (kernelFile) ctx.kernel(kernelFile, (line) => ({ file: kernelFile.from, ...(line !== undefined && { line, col: 1 }) }));
  return report;
}

async function isTar(file: string): Promise<boolean> {
  if (file === '-' || /^https?:\/\//.test(file)) return false;
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new UserError(`cannot open ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
  }
  try {
    const head = Buffer.alloc(263);
    const { bytesRead } = await fh.read(head, 0, 263, 0);
    return bytesRead === 263 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

class Context {
  private store?: Promise<LayoutStore | undefined>;
  /** Kernel configs already read, by image: several YAML files often name the same kernel. */
  private readonly kernels = new Map<string, Promise<KernelConfigText | undefined>>();

  constructor(
    private readonly o: AuditOptions,
    private readonly report: AuditReport,
    private readonly kernelFile: KernelConfigText | undefined,
  ) {}

  /** The image cache, or undefined when there is none (an audit creates nothing). */
  private cache(): Promise<LayoutStore | undefined> {
    this.store ??= access(join(this.o.cacheDir, 'index.json')).then(
      () => LayoutStore.open(this.o.cacheDir),
      () => undefined,
    );
    return this.store;
  }

  private note(text: string): void {
    if (!this.report.notes.includes(text)) this.report.notes.push(text);
  }

  private container(
    spec: OciSpec,
    subject: string,
    name: string,
    where: (f: ReturnType<typeof auditSpec>[number]) => { location?: Location; origin: Finding['origin'] },
  ): void {
    for (const f of auditSpec(spec)) {
      this.report.findings.push({ rule: containerRule(f.ruleId), subject, name, detail: f.detail, ...where(f) });
    }
  }

  /** KSPP findings for `cfg`; `at` locates an option (its line in the .config, if written). */
  kernel(cfg: KernelConfigText, at: (line: number | undefined) => Location | undefined): void {
    for (const k of checkKspp(cfg.text)) {
      const location = at(k.line);
      this.report.findings.push({
        rule: KSPP_BY_ID.get(k.ruleId)!,
        subject: `kernel (${cfg.from})`,
        name: 'kernel',
        detail: `${k.option}=${k.got}`,
        origin: 'kernel',
        ...(location && { location }),
      });
    }
  }

  async yaml(files: string[]): Promise<void> {
    // @pkg: images are read from their build.yml; remember which directory each tag came from.
    const pkgDirs = new Map<string, string>();
    const config = await loadConfigs(files, {
      allowLocalFiles: true,
      resolvePackage: async (dir) => {
        const ref = await showTagResolver(dir);
        pkgDirs.set(ref, dir);
        return ref;
      },
    });
    const ids = allocateIds(config);
    for (const section of CONTAINER_SECTIONS) {
      for (const [index, entry] of (config[section] ?? []).entries()) {
        const { image, label } = await this.label(entry, pkgDirs);
        const { spec } = toOCISpec(resolveVolumes(entry, config.volumes ?? []), image, ids);
        const sources: EntrySources = { yaml: entry, label, fallback: sourcePos(entry), image: sourcePos(entry, 'image') };
        this.container(spec, `${files.map(displayPath).join(' + ')}: ${section}[${index}] ${entry.name}`, entry.name, (f) => locate(f, sources));
      }
    }
    await this.yamlKernel(config, pkgDirs);
  }

  /** The image config to compute the spec from, and the label with positions when there are any. */
  private async label(entry: ImageEntry, pkgDirs: Map<string, string>): Promise<{ image?: ImageRuntimeConfig; label?: object }> {
    const dir = pkgDirs.get(entry.image);
    if (dir !== undefined) {
      const label = await packageLabel(join(dir, DEFAULT_BUILD_YML));
      return label ? { image: { Labels: { [MOBY_CONFIG_LABEL]: JSON.stringify(label) } }, label } : {};
    }
    const store = await this.cache();
    try {
      if (!store) throw new UserError(`no image cache at ${this.o.cacheDir}`);
      const img = await resolveImage(store, normalizeReference(entry.image), { os: 'linux', architecture: this.o.arch });
      return { image: img.config.config, label: labelDefaults(img.config.config, entry.image) };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      this.note(
        `${entry.image}: ${err.message}; its label (org.mobyproject.config) is not known, so only what the YAML sets is audited (linuxkit cache pull ${entry.image})`,
      );
      return {};
    }
  }

  private async yamlKernel(config: Config, pkgDirs: Map<string, string>): Promise<void> {
    const k = config.kernel;
    const at = (): Location | undefined => {
      const p = k ? (sourcePos(k, 'image') ?? sourcePos(k)) : undefined;
      return p && { file: p.file, line: p.line, col: p.col };
    };
    if (this.kernelFile || !k?.image) return;
    const store = await this.cache();
    const tar = k.tar === undefined ? 'kernel.tar' : k.tar === 'none' ? '' : k.tar;
    let cfg: KernelConfigText | undefined;
    try {
      if (!store) throw new UserError(`no image cache at ${this.o.cacheDir}`);
      const ref = normalizeReference(k.image);
      const key = `${ref} ${tar}`;
      if (!this.kernels.has(key)) this.kernels.set(key, kernelImageConfig(store, ref, this.o.arch, tar));
      cfg = await this.kernels.get(key);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const build = pkgDirs.has(k.image) ? `linuxkit pkg build ${pkgDirs.get(k.image)}` : `linuxkit cache pull ${k.image}`;
      this.note(`kernel: ${err.message}; its config is not checked against KSPP (${build}, or give --kernel-config FILE)`);
      return;
    }
    if (!cfg) {
      this.note(`kernel: ${k.image} has no config file (nor boot/config-* in its ${tar || 'kernel tar'}); give --kernel-config FILE to check it against KSPP`);
      return;
    }
    this.kernel(cfg, at);
  }

  async buildYml(file: string): Promise<void> {
    const label = await packageLabel(file);
    if (!label) {
      this.note(`${file}: no config: (not a container image, or one that runs with LinuxKit's defaults): nothing to audit`);
      return;
    }
    const { spec } = toOCISpec({}, { Labels: { [MOBY_CONFIG_LABEL]: JSON.stringify(label) } }, new Map());
    const name = basename(dirname(file));
    const fallback = sourcePos(label);
    this.container(spec, `${displayPath(file)}: package ${name}`, name, (f) => locate(f, { label, ...(fallback && { fallback }) }));
  }

  async tar(file: string): Promise<void> {
    const bundle = /^containers\/(onboot|onshutdown|services)\/([^/]+)\/config\.json$/;
    let containers = 0;
    let kernel = false;
    for await (const { body, ...e } of readTar(createReadStream(file), file)) {
      if (e.type !== 'file') continue;
      const m = bundle.exec(e.path);
      if (m) {
        containers++;
        let spec: OciSpec;
        try {
          spec = JSON.parse(utf8Text(await readAll(body), `${file}:${e.path}`)) as OciSpec;
        } catch (err) {
          throw new UserError(`${file}:${e.path}: not a JSON OCI runtime config: ${(err as Error).message}`, undefined, { cause: err });
        }
        const name = m[1] === 'services' ? m[2]! : m[2]!.replace(/^\d{3}-/, '');
        this.container(spec, `${displayPath(file)}: ${m[1]} ${name}`, name, () => ({ location: { file, member: e.path }, origin: 'output' }));
      } else if (BOOT_CONFIG.test(e.path) && !this.kernelFile) {
        kernel = true;
        const text = (await readAll(body)).toString('utf8');
        this.kernel({ text, from: `${file}:${e.path}` }, () => ({ file, member: e.path }));
      }
    }
    if (containers === 0) this.note(`${file}: no containers/*/*/config.json: not the tar of a linuxkit build, or an image with no containers`);
    if (!kernel && !this.kernelFile)
      this.note(`${file}: no boot/config-* (the kernel's config): the kernel is not checked against KSPP; give --kernel-config FILE`);
  }
}

/** A package's `config:` (its image label), with the positions of its build.yml; undefined when it has none. */
async function packageLabel(file: string): Promise<object | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
  }
  const { value } = parseYaml(text, file);
  const config = (value as { config?: unknown }).config;
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object' || Array.isArray(config))
    throw new UserError('config: must be a mapping (the image label)', sourcePos(value as object, 'config') as SourcePos);
  return config;
}
