/**
 * Text from outside (file names, reasons quoting them) made safe for one line of terminal output: line breaks and
 * other control characters (C0, DEL, C1, the Unicode line/paragraph separators and bidirectional overrides) are
 * written as escapes (\n, \r, \t, \xNN, \uNNNN), so a file name can never forge a line or repaint the terminal.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
