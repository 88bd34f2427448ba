// Removing images: untag, then delete the blobs that no remaining entry references.
//
// LinuxKit's Remove deletes every blob of the image, even blobs another cached image shares
// (a layer of a common base), breaking that image. Here a blob goes only when no other entry
// of index.json reaches it. Done under the cache lock so no tag lands in between.
import { log } from '../../util/index.js';
import { withCacheLock } from './lock.js';
import { refName, type LayoutStore } from './store.js';
import { validateEntry } from './validate.js';

/** Removes `refs` from the cache with the blobs only they used. Returns the refs that were present. */
export async function removeImages(store: LayoutStore, refs: string[]): Promise<string[]> {
  const wanted = new Set(refs);
  const removed: string[] = [];
  await withCacheLock(store.dir, async () => {
    const index = await store.readIndexLocked();
    const doomed = new Set<string>();
    const kept = new Set<string>();
    for (const entry of index.manifests) {
      const ref = refName(entry);
      const report = await validateEntry(store, ref ?? entry.digest, entry);
      const target = ref !== undefined && wanted.has(ref) ? doomed : kept;
      target.add(entry.digest);
      for (const b of report.blobs) target.add(b);
      if (ref !== undefined && wanted.has(ref)) removed.push(ref);
    }
    await store.writeIndexLocked({ ...index, manifests: index.manifests.filter((m) => !wanted.has(refName(m) ?? '\0')) });
    for (const digest of doomed) {
      if (kept.has(digest)) continue;
      log.debug(`removing blob ${digest}`);
      await store.removeBlob(digest);
    }
  });
  return [...new Set(removed)];
}
