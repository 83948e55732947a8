// Counted nouns: "1 file", "3 files", "0 warnings".

/** WORD as it reads after the number N (PLURAL_WORD for irregular words). */
export function noun(n: number, word: string, pluralWord = `${word}s`): string {
  return n === 1 ? word : pluralWord;
}

/** N and WORD, with an s unless N is 1. */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${noun(n, word, pluralWord)}`;
}
