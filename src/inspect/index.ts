// src/inspect: `linuxkit inspect`, what an image is made of (docs/inspect.md). What other
// folders may use of it (eslint.config.js keeps them to this file).
export { inspect, walkOutput, type Inspection, type InspectOptions } from './inspect.js';
export { htmlReport, jsonReport, textReport } from './report.js';
export { summarize, tree } from './summary.js';
export { bytes, squarify } from './page-script.js';
export { componentOfOrigin, componentOfPath, shortImage, type Component } from './components.js';
export type { ComponentSize, Duplicate, InspectReport, Item, TreeNode, Walk } from './types.js';
