// The forms of a host's ssh address: the schema admits a DNS name or something made of
// address characters; this decides whether the latter is a real IPv4 or IPv6 address.
import { isIP } from 'node:net';

/** True when ADDRESS is a DNS name (short or fully qualified) or a valid IPv4/IPv6 address. */
export function isValidSshAddress(address: string): boolean {
  if (address.includes(':')) return isIP(address) === 6;
  // All digits and dots: meant as IPv4 (a DNS name never has an all-numeric last label).
  if (/^[0-9.]+$/.test(address)) return isIP(address) === 4;
  return /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(address) && address.length <= 253;
}
