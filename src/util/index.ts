// src/util: what other folders may use of it (eslint.config.js keeps them to this file).
export * from './command-decl.js';
export * from './errors.js';
export * from './igzip.js';
export * from './log.js';
export * from './lru-dir.js';
export * from './metadata-iso.js';
export * from './missing.js';
export * from './source-date-epoch.js';
export * from './utf8.js';
export * from './cache-dir.js';
export * from './process-alive.js';
export * from './dir-lock.js';
export * from './text-table.js';
export * from './registry-env.js';
