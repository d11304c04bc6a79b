/** Print an aligned Markdown table (readable in a terminal, pasteable into an issue). */
export function printTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[], title?: string): void {
  console.log(formatTable(headers, rows, title));
}

/** Numbers are right-aligned, text left-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[], title?: string): string {
  const cells = rows.map((row) => row.map(String));
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number' || /^[-+]?[\d,.]+\s*%?x?$/.test(String(row[c]))));
  const widths = headers.map((h, c) => Math.max(h.length, ...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]): string =>
    `| ${row.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [...(title ? [`\n${title}\n`] : []), line(headers), rule, ...cells.map(line)].join('\n');
}
