// src/oci: what other folders may use of it (eslint.config.js keeps them to this file).
export * from './cache/index.js';
export * from './layer/index.js';
export * from './progress.js';
export * from './pull.js';
export * from './push.js';
export * from './reference.js';
export * from './registry/index.js';
export * from './sbom.js';
export * from './store.js';
export * from './types.js';
export * from './verify.js';
