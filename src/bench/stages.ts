// What a boot's serial console says about its timeline: the init's stage lines
// (`linuxkit-ts: UPTIME STAGE`, docs/init.md#measuring-boot-stage-lines), the probe's memory line
// (probe.ts) and the floor's line (floor.ts). Pure: text in, figures out. The one parser of
// these lines; bench/boot.mjs and the tests use it too.

/** One stage line: guest uptime in seconds and what the init reached. */
export interface StageLine {
  t: number;
  what: string;
}

/** What a stage of the boot is, for the report's rows and the chart's bars. */
export type StageKind = 'kernel' | 'init' | 'onboot-start' | 'onboot-done' | 'service' | 'all';

export interface Stage extends StageLine {
  kind: StageKind;
  /** The container an onboot or service stage is about, as the YAML names it ("dhcpcd"). */
  container?: string;
  /** An onboot container's exit status, when it said one. */
  status?: number;
}

/** The synthetic first stage: uptime counts from the kernel's start. */
export const KERNEL_START = 'kernel start';
export const ALL_STARTED = 'services started';
export const FLOOR_STAGE = 'floor init';

// Not anchored at the line's start: output of a parallel process (a service, the kernel) may
// run into the same line.
const STAGE_LINE = /linuxkit-ts: (\d+(?:\.\d+)?) (.*?)\r?$/gm;

/** Every stage line of a console, in the order printed (warnings carry no uptime and are left out). */
export function parseStages(console: string): StageLine[] {
  return [...console.matchAll(STAGE_LINE)].map((m) => ({ t: Number(m[1]), what: m[2]! }));
}

/** Onboot bundles are named NNN-NAME (the YAML's order, then its name). */
const containerName = (bundle: string): string => bundle.replace(/^\d{3}-/, '');

/** A stage line classified; an onboot "done" loses its status (kept apart) so runs share a row. */
export function classify(line: StageLine): Stage {
  let m = /^onboot (\S+) start$/.exec(line.what);
  if (m) return { ...line, kind: 'onboot-start', container: containerName(m[1]!) };
  m = /^onboot (\S+) done(?: status=(\d+))?$/.exec(line.what);
  if (m)
    return {
      t: line.t,
      what: `onboot ${m[1]} done`,
      kind: 'onboot-done',
      container: containerName(m[1]!),
      ...(m[2] !== undefined && { status: Number(m[2]) }),
    };
  m = /^service (\S+) started$/.exec(line.what);
  if (m) return { ...line, kind: 'service', container: m[1]! };
  if (line.what === ALL_STARTED) return { ...line, kind: 'all' };
  return { ...line, kind: 'init' };
}

/**
 * The boot's timeline: kernel start (0), then every stage up to and including "services
 * started". Later lines (shutdown) and a service's exits and restarts are not the boot.
 * Undefined when the console never reached "services started".
 */
export function bootTimeline(console: string): Stage[] | undefined {
  const out: Stage[] = [{ t: 0, what: KERNEL_START, kind: 'kernel' }];
  for (const line of parseStages(console)) {
    if (/^service \S+ exited/.test(line.what)) continue;
    const s = classify(line);
    out.push(s);
    if (s.kind === 'all') return out;
  }
  return undefined;
}

export interface MemoryLine {
  /** MemTotal − MemAvailable, KiB. */
  usedKiB: number;
  totalKiB: number;
}

/** The probe's "memory in use: USED kB of TOTAL kB" line (/proc/meminfo's kB are KiB). */
export const MEMORY_LINE = /memory in use: (\d+) kB of (\d+) kB/;

export function parseMemory(console: string): MemoryLine | undefined {
  const m = MEMORY_LINE.exec(console);
  return m ? { usedKiB: Number(m[1]), totalKiB: Number(m[2]) } : undefined;
}

/** The floor's /init uptime ("linuxkit-ts: T floor init"). */
export function parseFloor(console: string): number | undefined {
  return parseStages(console).find((s) => s.what === FLOOR_STAGE)?.t;
}
