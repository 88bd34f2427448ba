// Tar: the project's own codec (docs/tar.md). Every tar read or written anywhere (layers, the
// build's output, kernel.tar, package rootfs, cache export, test fixtures) goes through here.
export { normalizeEntryPath, ancestors, type EntryType, type TarEntry } from './entry.js';
export { decodeHeader, encodeHeaders, encodeOldGnuHeaders, readBack, type SparseRegion, type ReadHeader, type TarHeader } from './header.js';
export { decodePax, xattrsFromPax, xattrsToPax } from './pax.js';
export { ByteReader, chunksOf, readRawTar, TarBody, type RawEntry } from './reader.js';
export { readTar } from './read-entries.js';
export { readAll, readRecords, recordName, type TarRecord } from './records.js';
export { packEntries } from './pack-entries.js';
export { tarBuffer, tarStream, TarWriter, type TarData, type TarItem } from './writer.js';
