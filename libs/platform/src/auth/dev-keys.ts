import { createHash, generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import jwt from 'jsonwebtoken';

/** The issuer of tokens minted locally for the embedded mode. */
export const DEV_TOKEN_ISSUER = 'studypath-embedded-dev';

export interface DevKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

/**
 * The embedded mode's RS256 key pair, created on first use under `<dataDir>/dev-keys` and kept, so
 * tokens minted earlier stay valid across restarts. Never used when an identity provider is configured.
 */
export async function loadOrCreateDevKeys(dataDir: string): Promise<DevKeyPair> {
  const dir = path.join(dataDir, 'dev-keys');
  const privatePath = path.join(dir, 'private.pem');
  const publicPath = path.join(dir, 'public.pem');
  const existing = await Promise.all([
    fs.readFile(privatePath, 'utf8').catch(() => undefined),
    fs.readFile(publicPath, 'utf8').catch(() => undefined),
  ]);
  if (existing[0] && existing[1]) {
    return { privateKeyPem: existing[0], publicKeyPem: existing[1], keyId: keyIdOf(existing[1]) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await fs.mkdir(dataDir, { recursive: true });
  await fs.mkdir(dir, { mode: 0o700 });
  await fs.writeFile(privatePath, privateKey, { mode: 0o600 });
  await fs.writeFile(publicPath, publicKey, { mode: 0o644 });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey, keyId: keyIdOf(publicKey) };
}

function keyIdOf(publicKeyPem: string): string {
  // A short, stable id derived from the key, so a verifier can tell keys apart after rotation.
  return createHash('sha256').update(publicKeyPem).digest('base64url').slice(0, 16);
}

export interface MintOptions {
  userId: string;
  /** Lifetime in seconds; 12 hours by default. */
  expiresInSeconds?: number;
}

/** Signs a development token: RS256, issuer DEV_TOKEN_ISSUER, `sub` = the user id. */
export function mintDevToken(keys: DevKeyPair, options: MintOptions): string {
  if (!options.userId || options.userId.length > 255) {
    throw new Error('the user id must be 1 to 255 characters');
  }
  return jwt.sign({}, keys.privateKeyPem, {
    algorithm: 'RS256',
    issuer: DEV_TOKEN_ISSUER,
    subject: options.userId,
    expiresIn: options.expiresInSeconds ?? 12 * 3600,
    keyid: keys.keyId,
  });
}
