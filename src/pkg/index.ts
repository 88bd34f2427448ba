// src/pkg: what other folders may use of it (eslint.config.js keeps them to this file).
export * from './build.js';
export * from './buildyml.js';
export * from './package.js';
export * from './resolver.js';
export * from './kconfig.js';
