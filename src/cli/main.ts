// The `linuxkit` command tree (LinuxKit's, lk:src/cmd/linuxkit/cmd.go). Each command lives in
// a file of its own and is thin: it parses flags and calls the library (src/index.ts).
import { Command, CommanderError, Option } from 'commander';
import { causeLines, UserError } from '../util/index.js';
import { Level, log, logLevel, setLogLevel } from '../util/index.js';
import { auditCommand } from './audit.js';
import { benchCommand } from './bench.js';
import { buildCommand } from './build.js';
import { cacheCommand } from './cache.js';
import { inspectCommand } from './inspect.js';
import { collect, defaultCacheDir, ENV_CACHE_DIR, ENV_MIRROR } from './context.js';
import { ExitStatus } from './exit-status.js';
import { pkgCommand } from './pkg.js';
import { runCommand } from './run.js';
import { metadataCommand } from './metadata.js';
import { serveCommand } from './serve.js';
import { pushCommand } from './push.js';
import { versionCommand } from './version.js';

export function program(): Command {
  const root = new Command('linuxkit')
    .description('Build and run minimal, immutable Linux systems made of containers (linuxkit-ts)')
    .option('--cache <dir>', `directory for caching and finding cached images (env ${ENV_CACHE_DIR})`, defaultCacheDir())
    .option('--mirror <mirror>', `registry mirror, <registry>=<url> or <url> for all (repeatable; env ${ENV_MIRROR})`, collect, [])
    .option('--cert-file <file>', 'extra CA certificate for registries (repeatable)', collect, [])
    .option('-q, --quiet', 'quiet execution', false)
    .addOption(
      new Option('-v, --verbose <level>', 'verbosity: 0 = quiet, 1 = info, 2 = debug, 3 = trace')
        .default(1)
        .argParser(parseVerbosity),
    )
    .showHelpAfterError()
    .hook('preAction', (thisCommand) => {
      const o = thisCommand.opts<{ quiet: boolean; verbose: number }>();
      setLogLevel(o.quiet, o.verbose);
    });
  for (const cmd of [
    auditCommand(),
    benchCommand(),
    buildCommand(),
    cacheCommand(),
    inspectCommand(),
    metadataCommand(),
    pkgCommand(),
    pushCommand(),
    runCommand(),
    serveCommand(),
    versionCommand(),
  ]) {
    root.addCommand(cmd);
  }
  exitOverrideEverywhere(root);
  return root;
}

function parseVerbosity(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new UserError(`-v/--verbose takes 0, 1, 2 or 3, not "${value}"`);
  return n;
}

/** Commander calls process.exit by default; throwing instead lets main() decide the exit code. */
function exitOverrideEverywhere(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) exitOverrideEverywhere(sub);
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof ExitStatus) return err.code;
    if (err instanceof CommanderError) {
      // Commander has already printed help or the usage error.
      return err.exitCode;
    }
    const verbose = logLevel() >= Level.Debug;
    if (err instanceof UserError) {
      log.error([err.message, ...(verbose ? causeLines(err, true) : [])].join('\n'));
      return 1;
    }
    // Not a user's mistake: a bug or an unforeseen failure. One line by default; where it
    // happened and why with -v 2.
    if (!(err instanceof Error)) {
      log.error(String(err));
    } else if (verbose) {
      log.error([err.stack ?? err.message, ...causeLines(err, true)].join('\n'));
    } else {
      log.error(`${err.message} (an internal error: run with -v 2 to see where it happened)`);
    }
    return 1;
  }
}
