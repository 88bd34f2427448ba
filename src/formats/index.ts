// The output formats' public surface: the registry, the contract types, and the building blocks
// other parts may reuse (the cpio writer, the compressors).
export { formatNames, getFormat, notYetFormatNames, registerFormat } from './registry.js';
export type { Compression, FormatOptions, OutputFormat, OutputTarget } from './types.js';
export { COMPRESSIONS } from './types.js';
export { isCompression, createCompressor, type Compressor } from './compress/index.js';
export { CpioWriter, cpioArchive, type CpioEntry, type CpioType, type SmallCpioEntry } from './cpio.js';
export { LINUXKIT_MOD_TIME, sourceDateEpoch } from './defaults.js';
export * from './atomic.js';
export * from './defaults.js';
export * from './registry.js';
export * from './segments.js';
export * from './types.js';
export { requireTools, TOOLS, type HostTool } from './host-tools.js';
