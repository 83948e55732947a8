// Counted nouns: "1 file", "3 files", "0 warnings".

/** N and WORD, with an s unless N is 1 (PLURAL for irregular words). */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}
