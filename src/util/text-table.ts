// Plain-text tables for reports (inspect, bench): columns padded to their widest cell.

/** The rows as lines, columns two spaces apart; the columns listed in `right` right-aligned. */
export function textTable(rows: string[][], right: number[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
