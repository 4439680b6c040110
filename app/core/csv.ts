/**
 * CSV (RFC 4180) both ways, for every file the app reads or writes in that form (VisA split files, results.csv,
 * the standalone scorer's output): one parser and one field quoter, so a file written here always reads back.
 */
import { AppError } from './errors.js';

/**
 * Parses CSV text into rows of fields: quoted fields, doubled quotes, CRLF or LF line ends. Blank lines carry no
 * record and are skipped. Text that ends inside a quoted field is a torn or malformed file: an `invalid_file`
 * error naming `source`, never a silently shortened last row.
 */
export function parseCsv(text: string, source = 'CSV'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endRow = (): void => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (quoted) throw new AppError('invalid_file', `${source} ends inside a quoted field`);
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** One CSV field: quoted (quotes doubled) when it holds a quote, a comma or a line break; empty for null. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
