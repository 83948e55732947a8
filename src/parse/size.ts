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
  const match = /^([0-9]+(?:\.[0-9]+)?)([KMGT]B?)?$/.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_BYTES[match[2] ?? '']!);
}
