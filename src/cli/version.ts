import { Command } from 'commander';
import { VERSION } from '../version.js';

export function versionCommand(): Command {
  return new Command('version')
    .description('report the version of linuxkit')
    .option('--short', 'print just the version number')
    .option('--commit', 'print just the commit')
    .action((opts: { short?: boolean; commit?: boolean }) => {
      if (opts.short) console.log(VERSION);
      else if (opts.commit) console.log(process.env.LINUXKIT_TS_COMMIT ?? '');
      else console.log(`linuxkit version ${VERSION} (linuxkit-ts)`);
    });
}
