// What `linuxkit bench` measured: per image, its size, its stages over the rounds (median and
// spread), the bars of its timeline and its memory; the floors; the settings. --json prints
// this as it is.
import type { Bar } from './bars.js';
import type { Spread, StageRow } from './stats.js';

export interface BenchImage {
  /** The input as given (a YAML file, "a.yml,b.yml" merged, or an output's prefix or file). */
  label: string;
  /** Built from YAML by bench (true) or given as an output. */
  built: boolean;
  /** Bytes of the image's kernel and initrd (without the probe), and their sum. */
  size: { kernel: number; initrd: number; total: number };
  /** Every stage up to "services started", in boot order. */
  stages: StageRow[];
  bars: Bar[];
  /** The containers the timeline names, as the YAML names them. */
  containers: { onboot: string[]; services: string[] };
  /** MemTotal − MemAvailable once the services are up, and MemTotal, MiB. */
  memory?: { usedMiB: Spread; totalMiB: Spread };
  /** Index in BenchReport.floors of this image's kernel's floor (--floor). */
  floor?: number;
  /** "services started" ÷ the floor, medians (--floor). */
  floorRatio?: number;
  /** Per round: qemu's wall time (s) and whether the boot reached the probe. */
  rounds: { wall: number; ok: boolean }[];
}

export interface BenchFloor {
  /** "floor", or "floor (kernel of LABEL)" when the images have several kernels. */
  label: string;
  /** Uptime (s) at which the busybox /init ran, per round. */
  values: number[];
  at?: Spread;
  rounds: { wall: number; ok: boolean }[];
}

export interface BenchReport {
  runs: number;
  memMiB: number;
  cpus: number;
  /** The accelerator qemu was given (tcg when KVM is missing or does not run guests). */
  accel: string;
  /** The host's load average when the rounds began (1, 5, 15 min): absolute times depend on it. */
  loadAverage: number[];
  images: BenchImage[];
  floors: BenchFloor[];
  /** Boots that did not reach what they were waiting for, with why. */
  failures: string[];
}
