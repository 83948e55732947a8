// Quoting for Markdown, the language of the fleet-level templates (templates/fleet/).
// Shell quoting (the `<%=` escape of host templates) would be wrong there, so fleet
// templates print with `<%-` and pass every inventory value through one of these.

/** Text in running Markdown: read as plain text (no emphasis, links, code or HTML), on one line. */
export function markdownText(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[\\`*_[\]]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Text for one cell of a pipe table: a `|` would end the cell; an empty cell shows a dash. */
export function markdownCell(text: string): string {
  const cell = markdownText(text).replace(/\|/g, '\\|');
  return cell === '' ? '—' : cell;
}
