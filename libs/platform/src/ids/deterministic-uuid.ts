import { createHash } from 'node:crypto';

// A fixed namespace for StudyPath's name-based ids (RFC 4122 version 5).
const NAMESPACE = Buffer.from('8b0f5c1e2a7d4f3b9c6e1d2a3b4c5d6e', 'hex');

/**
 * A version-5 UUID from a name: the same name always gives the same id, so the task created for
 * item 3 of proposal P has the same id however often the proposal is delivered.
 */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
