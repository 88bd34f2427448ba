// Kernel configuration files: a fragment (the options a package asks for, with its comments) and
// the .config Kconfig makes of it. A fragment is applied on top of `make allnoconfig` with
// KCONFIG_ALLCONFIG; Kconfig silently drops what it cannot honour (an option whose menu parent
// or dependency is off, a symbol with no prompt, a misspelt name), so the result is checked
// against the fragment here: the fragment is then exactly what the kernel has.
import type { SourcePos } from '../util/index.js';

/** One option: `CONFIG_X=value`, or `# CONFIG_X is not set` (value "n"). */
export interface KconfigOption {
  name: string;
  value: string;
  line: number;
}

const SET = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const UNSET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/** The options of a fragment or a .config, in order; other comments and blank lines are skipped. */
export function parseKconfig(text: string): KconfigOption[] {
  const out: KconfigOption[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const set = SET.exec(line);
    if (set) out.push({ name: set[1]!, value: set[2]!, line: i + 1 });
    const unset = UNSET.exec(line);
    if (unset) out.push({ name: unset[1]!, value: 'n', line: i + 1 });
  });
  return out;
}

/** A .config as name → value; a symbol that is absent (its menu is off) counts as "n". */
export function kconfigValues(text: string): Map<string, string> {
  return new Map(parseKconfig(text).map((o) => [o.name, o.value]));
}

export interface KconfigMismatch {
  option: KconfigOption;
  /** What the .config has: a value, or "n" when absent. */
  got: string;
}

/** The fragment's options that the .config does not have as written. */
export function checkKconfig(fragment: string, dotConfig: string): KconfigMismatch[] {
  const have = kconfigValues(dotConfig);
  const out: KconfigMismatch[] = [];
  for (const option of parseKconfig(fragment)) {
    const got = have.get(option.name) ?? 'n';
    if (got !== option.value) out.push({ option, got });
  }
  return out;
}

/** One line per mismatch, "file:line: CONFIG_X=y is n in the .config". */
export function describeMismatches(file: string, mismatches: KconfigMismatch[]): string {
  return mismatches
    .map(({ option, got }) => {
      const want = option.value === 'n' ? `# ${option.name} is not set` : `${option.name}=${option.value}`;
      return `  ${file}:${option.line}: ${want}, but the .config has ${got === 'n' ? 'it off' : `${option.name}=${got}`}`;
    })
    .join('\n');
}

/** Where a fragment's option is, for errors. */
export function optionPos(file: string, option: KconfigOption): SourcePos {
  return { file, line: option.line, col: 1 };
}
