// `linuxkit push`: LinuxKit's command (lk:src/cmd/linuxkit/push.go). Each target, with its own
// flags, comes from the registry in src/push/index.ts.
import { Command } from 'commander';
import type { FlagValues } from '../util/index.js';
import { PUSH_TARGETS } from '../push/index.js';
import { declaredCommand } from './declared.js';

export function pushCommand(): Command {
  const push = new Command('push').description('push a VM image to a cloud or image store');
  for (const t of PUSH_TARGETS) {
    push.addCommand(declaredCommand(t).action(async (path: string | undefined, flags: FlagValues) => t.push(path, flags)));
  }
  return push;
}
