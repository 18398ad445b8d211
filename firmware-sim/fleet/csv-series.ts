/**
 * Reads one numeric column of a CSV file (header row, comma separated, optional quotes) for the
 * replay generator. Errors name the file, line and column.
 */
import { readFileSync } from 'node:fs';
import { ConfigInvalidError } from '../../protocols/errors.js';

function splitLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell.trim()); cell = ''; }
    else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/** The numbers of one column, in file order. Throws ConfigInvalidError. */
export function parseCsvColumn(text: string, column: string, source: string): number[] {
  const lines = text.split(/\r?\n/);
  const header = splitLine(lines[0] ?? '');
  const index = header.indexOf(column);
  if (index < 0) throw new ConfigInvalidError(`${source}: no column '${column}' (columns: ${header.join(', ')})`);
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const cell = splitLine(line)[index] ?? '';
    const value = Number(cell);
    if (cell === '' || !Number.isFinite(value)) {
      throw new ConfigInvalidError(`${source}:${i + 1}: column '${column}' is not a number ('${cell}')`);
    }
    values.push(value);
  }
  if (values.length === 0) throw new ConfigInvalidError(`${source}: column '${column}' has no rows`);
  return values;
}

export function readCsvColumn(path: string, column: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigInvalidError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseCsvColumn(text, column, path);
}
