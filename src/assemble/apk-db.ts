// The apk database of the root filesystem when several init images each carry one
// (lib/apk/db/installed, as LinuxKit's init and containerd images do). Each image's own copy is
// written as it comes, and after the init images one database holding all of them, so that
// `apk info` in the running system lists every image's packages, as LinuxKit does
// (lk:src/cmd/linuxkit/moby/apk_tarwriter.go).
import { chunksOf } from '../tar/index.js';
import { PAX_LOCATION, PAX_SOURCE, generated, type EntrySink, type EntryBody, type OutEntry } from './tar-sink.js';

export const APK_INSTALLED = 'lib/apk/db/installed';

/** An EntrySink that keeps the apk databases written through it; writeMerged() adds the union. */
export class ApkDatabases implements EntrySink {
  private dbs: Buffer[] = [];

  constructor(private readonly sink: EntrySink) {}

  async add(header: OutEntry, body?: Buffer | string | EntryBody): Promise<void> {
    if (header.path !== APK_INSTALLED || header.type !== 'file' || body === undefined) return this.sink.add(header, body);
    // A database is small (a few hundred KB for a full system), so it is held whole.
    const db = typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : await readBody(body);
    this.dbs.push(db);
    await this.sink.add(header, db);
  }

  /**
   * With more than one database seen, writes their concatenation, each followed by an empty
   * line (apk's record separator), as LinuxKit's WriteAPKDB; the later entry wins on unpacking.
   */
  async writeMerged(): Promise<void> {
    if (this.dbs.length > 1) {
      const merged = Buffer.concat(this.dbs.flatMap((db) => [db, Buffer.from('\n\n')]));
      const pax = { [PAX_SOURCE]: 'LINUXKIT.apkinit', [PAX_LOCATION]: 'init' };
      await this.sink.add(generated({ path: APK_INSTALLED, type: 'file', mode: 0o644, size: merged.length, pax }), merged);
    }
    this.dbs = [];
  }
}

async function readBody(body: EntryBody): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunksOf(body)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
