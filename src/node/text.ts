// Text for a terminal: lines fitted to its width (80 columns when it does not say), so that
// nothing wraps mid-word; help reflowed to 80 columns. Output to a pipe or a file keeps one line
// per record, as a log or a grep wants it.

/** The width stdout's lines are fitted to: the terminal's (80 if it does not say), or none off a terminal. */
export const columns = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns || 80 : undefined);

/** Where a line may break, best first: between fields, after a clause, after a comma, at a space. */
const GAPS = ['  ', '; ', ', ', ' '];

/**
 * One line as lines of at most `width` characters, broken at the best of `gaps` (GAPS) in the second
 * half of the room, else at any space; the lines after the first indented by `indent`. A word
 * longer than the width is left whole, on a line of its own.
 */
export function fitLine(line: string, width: number, indent = '  ', gaps = GAPS): string {
  const out: string[] = [];
  let rest = line,
    lead = '';
  while (lead.length + rest.length > width) {
    const room = width - lead.length;
    const cut = (gap: string, from: number) => {
      const at = rest.lastIndexOf(gap, room - gap.trimEnd().length);
      return at >= from ? at + gap.trimEnd().length : -1;
    };
    // A word wider than the room goes whole on its line, and the line breaks after it.
    const at = [...gaps.map((g) => cut(g, Math.floor(room / 2))), cut(' ', 1), rest.indexOf(' ', room)].find(
      (i) => i > 0,
    );
    if (at === undefined) break;
    out.push(lead + rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
    lead = indent;
  }
  out.push(lead + rest);
  return out.join('\n');
}

/** Writes lines on stdout, each fitted to the terminal's width (continued lines indented by 2 more). */
export const log = (text: string): void => {
  const width = columns();
  const fit = (l: string) => (width ? fitLine(l, width, ' '.repeat(/^ */.exec(l)![0].length + 2)) : l);
  process.stdout.write(text.split('\n').map(fit).join('\n') + '\n');
};

/** A --json result: always one line, however wide. */
export const logJson = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value) + '\n');
};

/** "  --flag ARG   description": the term and the gap before the description. */
const ENTRY = /^( {2,}\S(?:\S| (?! ))*? {2,})(\S.*)$/;

/**
 * Help text within `width` columns. A paragraph with a line wider than that is refilled: an entry
 * ("  --flag X   what it does", "  train   …") with the lines under its description, in the
 * description's column; prose with the following lines of its indent, up to a blank line, an
 * entry or a line ending in ':'. Paragraphs that fit are left as written.
 */
export function wrapHelp(text: string, width = 80): string {
  const lines = text.split('\n'),
    out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') {
      out.push(lines[i]);
      continue;
    }
    const entry = ENTRY.exec(lines[i]);
    const head = entry ? entry[1] : /^ */.exec(lines[i])![0];
    const pad = ' '.repeat(head.length);
    const next = (l: string) =>
      entry
        ? l.startsWith(pad) && /^\S/.test(l.slice(pad.length))
        : l.startsWith(pad) && /^\S/.test(l.slice(pad.length)) && !ENTRY.test(l);
    let j = i;
    while (j + 1 < lines.length && next(lines[j + 1]) && (entry || !lines[j].endsWith(':'))) j++;
    const paragraph = lines.slice(i, j + 1);
    if (paragraph.every((l) => l.length <= width)) out.push(...paragraph);
    else {
      const words = [entry ? entry[2] : lines[i].slice(pad.length), ...paragraph.slice(1).map((l) => l.trim())];
      // Filled word by word, as prose is: the field gaps of output lines mean nothing here.
      out.push(head + fitLine(words.join(' '), width - head.length, '', [' ']).replace(/\n/g, `\n${pad}`));
    }
    i = j;
  }
  return out.join('\n');
}
