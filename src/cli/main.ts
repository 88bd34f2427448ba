// The `linuxkit` command tree (LinuxKit's, lk:src/cmd/linuxkit/cmd.go). Each command lives in
// a file of its own and is thin: it parses flags and calls the library (src/index.ts).
import { Command, CommanderError, Option } from 'commander';
import { causeLines, UserError } from '../util/index.js';
import { Level, log, logLevel, setLogLevel } from '../util/index.js';
import { collect, defaultCacheDir, ENV_CACHE_DIR, ENV_MIRROR } from './context.js';
import { ExitStatus } from './exit-status.js';

/**
 * Each command's module, loaded only when that command runs (or for help): a command loads
 * what it needs and nothing else, so `version` or `pkg show-tag` start in little more than
 * node's own start-up (docs/performance.md, "Start-up"). The bundle (scripts/bundle.mjs) makes
 * each import a chunk of its own.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  audit: async () => (await import('./audit.js')).auditCommand(),
  bench: async () => (await import('./bench.js')).benchCommand(),
  build: async () => (await import('./build.js')).buildCommand(),
  cache: async () => (await import('./cache.js')).cacheCommand(),
  inspect: async () => (await import('./inspect.js')).inspectCommand(),
  metadata: async () => (await import('./metadata.js')).metadataCommand(),
  pkg: async () => (await import('./pkg.js')).pkgCommand(),
  push: async () => (await import('./push.js')).pushCommand(),
  run: async () => (await import('./run.js')).runCommand(),
  serve: async () => (await import('./serve.js')).serveCommand(),
  version: async () => (await import('./version.js')).versionCommand(),
};

/**
 * The command tree for `argv`: the root with its global options and the command argv names,
 * or every command when argv names none it knows (help, a typo: commander then lists them all).
 */
export async function program(argv: readonly string[] = []): Promise<Command> {
  const root = rootCommand();
  const named = commandWord(root, argv.slice(2));
  const names = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const cmd of await Promise.all(names.map((n) => COMMANDS[n]!()))) root.addCommand(cmd);
  exitOverrideEverywhere(root);
  return root;
}

/** The first argument that is not a global option or an option's value: the command's name. */
function commandWord(root: Command, args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    // `--cache DIR`, `-v 2`: the next argument is this option's value (not with `--cache=DIR`).
    const o = root.options.find((opt) => opt.long === a || opt.short === a);
    if (o && (o.required || o.optional)) i++;
  }
  return undefined;
}

function rootCommand(): Command {
  return new Command('linuxkit')
    .description('Build and run minimal, immutable Linux systems made of containers (linuxkit-ts)')
    .option('--cache <dir>', `directory for caching and finding cached images (env ${ENV_CACHE_DIR})`, defaultCacheDir())
    .option('--mirror <mirror>', `registry mirror, <registry>=<url> or <url> for all (repeatable; env ${ENV_MIRROR})`, collect, [])
    .option('--cert-file <file>', 'extra CA certificate for registries (repeatable)', collect, [])
    .option('-q, --quiet', 'quiet execution', false)
    .addOption(new Option('-v, --verbose <level>', 'verbosity: 0 = quiet, 1 = info, 2 = debug, 3 = trace').default(1).argParser(parseVerbosity))
    .showHelpAfterError()
    .hook('preAction', (thisCommand) => {
      const o = thisCommand.opts<{ quiet: boolean; verbose: number }>();
      setLogLevel(o.quiet, o.verbose);
    });
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
    await (await program(argv)).parseAsync(argv);
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
