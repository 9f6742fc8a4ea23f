/**
 * Plain aligned tables, as mqadmin prints them: a header row, then one row per item; numbers are right-aligned,
 * text left-aligned, two spaces between columns, no trailing spaces. An empty table prints the header only.
 */
export type Cell = string | number | bigint | boolean | null | undefined;

export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => isNumeric(row[i])));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...text.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return numeric[i] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n') + '\n';
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  return String(cell);
}

function isNumeric(cell: Cell): boolean {
  return typeof cell === 'number' || typeof cell === 'bigint' || cell === null || cell === undefined;
}

/** A key/value list (`name: value` lines, names aligned) for single objects such as a send result. */
export function renderFields(fields: Readonly<Record<string, Cell>>): string {
  const width = Math.max(0, ...Object.keys(fields).map((k) => k.length));
  return (
    Object.entries(fields)
      .map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${cellText(value)}`)
      .join('\n') + '\n'
  );
}
