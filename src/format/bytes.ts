// Byte counts for people, in one unit system (decimal, as people compare them with "10 GB").

/** Bytes in decimal gigabytes with one decimal (terabytes with two, megabytes whole). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1000 ** 4) return `${(bytes / 1000 ** 4).toFixed(2)} TB`;
  if (bytes >= 1000 ** 3) return `${(bytes / 1000 ** 3).toFixed(1)} GB`;
  return `${(bytes / 1000 ** 2).toFixed(0)} MB`;
}
