import type { Command } from 'commander';
import { NotImplementedError } from '../util/index.js';

/** Marks a LinuxKit command that exists in the tree but is not built yet: it exits non-zero. */
export function notYet(cmd: Command): Command {
  return cmd.action(() => {
    throw new NotImplementedError(`'linuxkit ${commandPath(cmd)}'`);
  });
}

export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
