// `linuxkit inspect`'s text and JSON reports, and the HTML page (one self-contained file: the
// tree and the script inline, nothing fetched when it is viewed).
import { textTable } from '../util/index.js';
import { bytes, PAGE_FUNCTIONS } from './page-script.js';
import type { InspectReport, TreeNode } from './types.js';

const pct = (n: number, total: number): string => `${total ? ((100 * n) / total).toFixed(1) : '0.0'} %`;

export function textReport(r: InspectReport): string {
  const lines: string[] = [];
  const what = r.kind === 'tar' ? 'tar' : `kernel+initrd (initrd: ${r.compression}, ${r.members} member${r.members === 1 ? '' : 's'})`;
  lines.push(`${r.input}: ${what}, ${bytes(r.total)} (${r.total} bytes) in ${r.outputs.map((o) => o.file).join(', ')}`, '');
  const unpacked = r.components.reduce((a, c) => a + c.unpacked, 0);
  const rows = [
    ['component', 'files', 'unpacked', 'in the output', 'share'],
    ...r.components.map((c) => [c.label, String(c.files), bytes(c.unpacked), bytes(c.stored), pct(c.stored, r.total)]),
    ['total', String(r.components.reduce((a, c) => a + c.files, 0)), bytes(unpacked), bytes(r.total), pct(r.total, r.total)],
  ];
  lines.push(...textTable(rows, [1, 2, 3, 4]));
  if (r.kind === 'kernel+initrd') {
    lines.push("(in the initrd, each member's compressed size is shared among its entries in proportion to their unpacked size)");
  }
  lines.push('', 'largest files');
  lines.push(
    ...textTable(
      r.largest.map((f) => [`  ${bytes(f.size)}`, f.path, f.component]),
      [0],
    ),
  );
  lines.push('');
  if (!r.duplicates.length) {
    lines.push('no file is in more than one component');
  } else {
    lines.push(`the same bytes in several components (${r.duplicates.length} file${r.duplicates.length === 1 ? '' : 's'}):`);
    for (const d of r.duplicates.slice(0, 15)) {
      const copies = d.copies.map((c) => `${c.component}:${c.path}${c.shared ? ' (stored once)' : ''}`).join(', ');
      lines.push(`  ${bytes(d.size)} × ${d.copies.length}: ${copies}`);
    }
    if (r.duplicates.length > 15) lines.push(`  … and ${r.duplicates.length - 15} more (--json lists them all)`);
    if (r.sharedFiles) {
      lines.push(
        `already shared by the build: ${r.sharedFiles} cop${r.sharedFiles === 1 ? 'y' : 'ies'} stored as hard links to an identical earlier file, ${bytes(r.sharedBytes)} unpacked not stored twice`,
      );
    }
    if (r.duplicateBytes) lines.push(`still duplicated: sharing the copies would save ${bytes(r.duplicateBytes)} unpacked`);
  }
  return `${lines.join('\n')}\n`;
}

export function jsonReport(r: InspectReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** Text for inside a <script> element: "</" and "<!--" cannot end or confuse it. */
const scriptSafe = (s: string): string => s.replace(/</g, '\\u003c');
const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function htmlReport(r: InspectReport, tree: TreeNode): string {
  const rows = r.components
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.label)}</td><td>${c.files}</td><td>${bytes(c.unpacked)}</td><td>${bytes(c.stored)}</td><td>${pct(c.stored, r.total)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>linuxkit inspect: ${escapeHtml(r.input)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; }
#crumb a { color: #135; }
svg { width: 100%; max-width: 1200px; height: auto; display: block; border: 1px solid #ccc; }
svg text { font-family: system-ui, sans-serif; fill: #111; }
table { border-collapse: collapse; margin-top: 12px; }
td, th { padding: 2px 10px; text-align: right; } td:first-child, th:first-child { text-align: left; }
#selftest { color: #666; font-size: 11px; }
</style></head><body>
<h1>${escapeHtml(r.input)}</h1>
<p>${r.kind}, ${bytes(r.total)} in the output. Box areas are bytes in the output; click a box to zoom in, the path above to zoom out.</p>
<p id="crumb"></p>
<svg id="map" viewBox="0 0 1200 640" xmlns="http://www.w3.org/2000/svg"></svg>
<table><tr><th>component</th><th>files</th><th>unpacked</th><th>in the output</th><th>share</th></tr>
${rows}
</table>
<pre id="selftest"></pre>
<script id="tree" type="application/json">${scriptSafe(JSON.stringify(tree))}</script>
<script>
${PAGE_FUNCTIONS.map((f) => f.toString()).join('\n')}
treemapPage(JSON.parse(document.getElementById('tree').textContent), document);
</script>
</body></html>
`;
}
