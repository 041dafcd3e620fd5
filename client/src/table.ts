/** Formats rows as an aligned plain-text table with a header line; cells are single-line. */
export function formatTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string) => cell.replace(/\s+/g, " ");
  const body = rows.map((row) => columns.map((_, i) => clean(row[i] ?? "")));
  const widths = columns.map((column, i) => Math.max(column.length, ...body.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((width) => "-".repeat(width))), ...body.map(line)].join("\n");
}
