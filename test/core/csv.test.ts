/**
 * The one CSV parser and field quoter (VisA split files, results.csv, the standalone scorer's output): what is
 * written reads back to the same fields, and a torn file is an error naming it rather than a shortened row.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../app/core/errors.js';
import { csvField, parseCsv } from '../../app/core/csv.js';

describe('CSV', () => {
  it('reads quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF and LF', () => {
    const text = 'object,image\r\n"candle, red","a ""quoted"" name"\n"multi\nline",x.png\r\n';
    expect(parseCsv(text)).toEqual([
      ['object', 'image'],
      ['candle, red', 'a "quoted" name'],
      ['multi\nline', 'x.png'],
    ]);
  });

  it('skips blank lines and keeps a last row without a line end', () => {
    expect(parseCsv('a,b\n\n1,2\r\n\r\n3,')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', ''],
    ]);
  });

  it('refuses text that ends inside a quoted field, naming the file', () => {
    const read = () => parseCsv('object,image\ncandle,"half', '/data/visa/split_csv/1cls.csv');
    expect(read).toThrow(AppError);
    expect(read).toThrow('/data/visa/split_csv/1cls.csv ends inside a quoted field');
  });

  it('quotes exactly the fields that need it, and they read back unchanged', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'cr\ronly', 'two\nlines', '', 0.1 + 0.2, null];
    const line = values.map(csvField).join(',');
    expect(line.startsWith('plain,"a,b","say ""hi""","cr\ronly"')).toBe(true);
    expect(parseCsv(line)).toEqual([['plain', 'a,b', 'say "hi"', 'cr\ronly', 'two\nlines', '', '0.30000000000000004', '']]);
  });
});
