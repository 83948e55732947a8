// Colour on the terminal: when to use it (--color auto|always|never, NO_COLOR, TERM=dumb),
// and the few ANSI codes kindling prints.

export const COLOUR_CHOICES = ['auto', 'always', 'never'] as const;
export type ColourChoice = (typeof COLOUR_CHOICES)[number];

export function isColourChoice(text: string): text is ColourChoice {
  return (COLOUR_CHOICES as readonly string[]).includes(text);
}

/**
 * Whether to colour output to STREAM. An explicit --color always or never wins (as no-color.org
 * asks of command-line flags); auto colours a terminal unless NO_COLOR is set (and not empty)
 * or TERM is dumb.
 */
export function useColour(choice: ColourChoice, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (choice === 'always') return true;
  if (choice === 'never') return false;
  return Boolean(stream.isTTY) && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

const CODES = { green: '\u001b[32m', red: '\u001b[31m', cyan: '\u001b[36m', bold: '\u001b[1m', reset: '\u001b[0m' };

export type Colour = Exclude<keyof typeof CODES, 'reset'>;

/** TEXT in COLOUR, reset at its end. */
export function paint(colour: Colour, text: string): string {
  return `${CODES[colour]}${text}${CODES.reset}`;
}
