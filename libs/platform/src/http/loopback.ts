import { isIPv4 } from 'node:net';

/**
 * True when `host` is an address only this machine can reach (127.0.0.0/8, ::1, localhost), also
 * as a socket shows an IPv4 peer on a dual-stack listener (::ffff:127.0.0.1).
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIPv4(bare) && bare.startsWith('127.');
}
