// src/inspect: `linuxkit inspect`, what an image is made of (docs/inspect.md). What other
// folders may use of it (eslint.config.js keeps them to this file).
export { buildYaml, inspect, kernelInitrdOutput, walkOutput, type Inspection, type InspectOptions, type YamlBuildOptions } from './inspect.js';
export type { KernelInitrdFiles } from './initrd.js';
export { htmlReport, jsonReport, textReport } from './report.js';
export { summarize, tree } from './summary.js';
export { bytes, squarify } from './page-script.js';
export { componentOfOrigin, componentOfPath, shortImage, type Component } from './components.js';
export type { ComponentSize, Duplicate, InspectReport, Item, TreeNode, Walk } from './types.js';
