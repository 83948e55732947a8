// The one quoting helper: every inventory value that reaches a shell word goes through
// shellQuote, which EJS calls for every `<%= … %>` in a template.

/** Characters that never need quoting in a bash word (no globbing, expansion or splitting). */
const PLAIN_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

/**
 * Quotes VALUE as one bash word: plain words stay bare so that generated scripts read like
 * hand-written ones; anything else is single-quoted, with embedded quotes closed and escaped.
 */
export function shellQuote(value: unknown): string {
  const text = String(value);
  if (PLAIN_WORD.test(text) && !text.startsWith('=')) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Quotes for a crontab command: cron turns an unescaped % into a newline. */
export function cronQuote(value: unknown): string {
  return shellQuote(value).replace(/%/g, '\\%');
}
