// The run library: what the CLI's `linuxkit run` and the tests use.
export { RUN_BACKENDS, defaultBackend } from './backends.js';
export { SHARED_RUN_FLAGS, notYetBackend, type RunBackend, type SharedRunFlags } from './backend.js';
export { parseDisk, parseDiskSizeMB, type DiskConfig } from './disk.js';
export { findBootImage, type BootImage, type BootKind, type BootKindFlags } from './image.js';
export { kvmWorks, resolveAccel, defaultAccel, type KvmVerdict } from './accel.js';
export { metadataIso, writeMetadataIso } from '../util/index.js';
export { parsePublish, type PublishedPort } from './publish.js';
export { qemuArgs, machineType, type QemuConfig } from './qemu-args.js';
export { prepareQemu, runQemu, runQemuDetached, hostQemuArch, type QemuRunOptions, type DetachedVm } from './qemu.js';
export { VmHandle, ConsoleTimeoutError, type VmHandleOptions } from './vm.js';
