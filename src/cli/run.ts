// `linuxkit run`: LinuxKit's command (lk:src/cmd/linuxkit/run.go). Each backend, with its own
// flags, comes from the registry in src/run/backends.ts. The shared flags --cpus, --mem and
// --disk are accepted before or after the backend name, as cobra's persistent flags are.
import { Command } from 'commander';
import { UserError } from '../util/index.js';
import type { FlagValues } from '../util/index.js';
import { RUN_BACKENDS, SHARED_RUN_FLAGS, defaultBackend, type RunBackend, type SharedRunFlags } from '../run/index.js';
import { addFlags, declaredCommand, flagDefaults } from './declared.js';
import { ExitStatus } from './exit-status.js';

function sharedFrom(cmd: Command): SharedRunFlags {
  const own = cmd.opts<SharedRunFlags>();
  const parent = cmd.parent?.opts<SharedRunFlags>() ?? {};
  return {
    cpus: own.cpus ?? parent.cpus,
    mem: own.mem ?? parent.mem,
    disk: [...(parent.disk ?? []), ...(own.disk ?? [])],
  };
}

async function runBackend(b: RunBackend, path: string | undefined, flags: FlagValues, shared: SharedRunFlags): Promise<void> {
  const status = await b.run(path, flags, shared);
  if (status !== 0) throw new ExitStatus(status);
}

function backendCommand(b: RunBackend): Command {
  return addFlags(declaredCommand(b), SHARED_RUN_FLAGS).action(async (path: string | undefined, flags: FlagValues, cmd: Command) =>
    runBackend(b, path, flags, sharedFrom(cmd)),
  );
}

export function runCommand(): Command {
  const run = addFlags(new Command('run'), SHARED_RUN_FLAGS)
    .description('run a VM image on a local hypervisor or remote cloud')
    .argument('[path]', "image to run with the platform's default backend (qemu on Linux)")
    .action(async (path: string | undefined, _f: SharedRunFlags, cmd: Command) => {
      if (!path) {
        cmd.help({ error: true });
        return;
      }
      const name = defaultBackend();
      const b = RUN_BACKENDS.find((x) => x.name === name);
      if (!b) throw new UserError(`there is no default 'run' backend for ${process.platform} yet`);
      // The default backend with its default flags, as LinuxKit's `run PATH`.
      await runBackend(b, path, flagDefaults(b.flags), cmd.opts<SharedRunFlags>());
    });
  for (const b of RUN_BACKENDS) run.addCommand(backendCommand(b));
  return run;
}
