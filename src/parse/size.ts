// Sizes as the inventory writes them ("9.9G" as df -h prints it, "2TB" in decimal units).
// Below both inventory/ (whose rules check them) and plan/ (which sums them), so that neither
// has to import the other.

const UNIT_BYTES: Record<string, number> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

/** Parses a size as df -h prints it (binary K/M/G/T) or in decimal units (KB/MB/GB/TB). */
export function parseSize(text: string): number | undefined {
  // A fleet writes few distinct sizes, each on thousands of hosts: parsed once each.
  if (parsedSizes.has(text)) return parsedSizes.get(text);
  const match = /^([0-9]+(?:\.[0-9]+)?)([KMGT]B?)?$/.exec(text);
  const bytes = match ? Math.round(Number(match[1]) * UNIT_BYTES[match[2] ?? '']!) : undefined;
  if (parsedSizes.size < MAX_PARSED_SIZES) parsedSizes.set(text, bytes);
  return bytes;
}

const parsedSizes = new Map<string, number | undefined>();
/** Bounds the cache for a long-running caller (the unit tests): sizes beyond it are parsed every time. */
const MAX_PARSED_SIZES = 4096;
