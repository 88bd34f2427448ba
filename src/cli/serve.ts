// `linuxkit serve --port :8080 --directory .` (lk:src/cmd/linuxkit/serve.go): serves a directory
// over plain HTTP until interrupted; each request is logged as "METHOD URL".
import { Command } from 'commander';
import { serve } from '../serve/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve a directory over http')
    .option('--port <addr>', 'local port to serve on ([host]:port)', ':8080')
    .option('--directory <dir>', 'directory to serve', '.')
    .action(async (flags: { port: string; directory: string }) => {
      let started;
      try {
        started = await serve({ listen: flags.port, directory: flags.directory });
      } catch (err) {
        throw new UserError((err as Error).message, undefined, { cause: err });
      }
      log.info(`Serving ${flags.directory} on port ${started.port}`);
      // Runs until a signal ends the process, as LinuxKit's does.
      await new Promise<void>((done) => started.server.once('close', done));
    });
}
