import { Logger } from '@nestjs/common';
import type { Algorithm } from 'jsonwebtoken';
import type * as JwksRsa from 'jwks-rsa';
import type { AppConfig } from '../config/app-config';
import { AuthFailure, SigningKeysUnavailable } from './auth-failures';
import { loadOrCreateDevKeys, type DevKeyPair } from './dev-keys';

/** The parts of a token's JOSE header that choose the key. */
export interface TokenHeader {
  alg: string;
  kid?: string;
}

/** How the identity provider's key set is fetched and kept (jwks mode). */
export interface JwksClientSettings {
  /** How long a fetched key is used without asking the provider again (ms). */
  cacheMaxAgeMs: number;
  /** At most this many fetches of the key set a minute: a token with an unknown `kid` fetches it. */
  requestsPerMinute: number;
  /** A fetch of the key set that takes longer than this fails (ms). */
  timeoutMs: number;
  /**
   * A `kid` that the key set fetched less than this long ago (ms) did not have is refused without
   * asking the provider again, and one such question is asked at a time: tokens with made-up kids
   * cost at most one fetch per this interval, so they cannot use up the fetch budget that a key
   * the provider has just rotated in needs. That key is trusted at most this long after the
   * key set was last fetched.
   */
  unknownKeyRefetchMs: number;
}

/** Injection token of the JwksClientSettings; tests override it to shorten the cache. */
export const JWKS_CLIENT_SETTINGS = Symbol('JWKS_CLIENT_SETTINGS');

export const DEFAULT_JWKS_CLIENT_SETTINGS: JwksClientSettings = {
  cacheMaxAgeMs: 10 * 60_000,
  requestsPerMinute: 10,
  timeoutMs: 5_000,
  unknownKeyRefetchMs: 30_000,
};

/** Where the key that verifies a token comes from, and which algorithms it may be used with. */
export abstract class SigningKeys {
  abstract readonly algorithms: readonly Algorithm[];
  /** The secret or PEM public key for a token with this header; throws AuthFailure or SigningKeysUnavailable. */
  abstract keyFor(header: TokenHeader): Promise<string>;
}

/** The key ids of the key set as last fetched, and when. */
interface PublishedKeys {
  kids: ReadonlySet<string>;
  at: number;
}

/**
 * RS256 with the identity provider's JSON Web Key Set, fetched by jwks-rsa: keys cached per kid
 * (cacheMaxAgeMs), fetches rate limited (requestsPerMinute), and kids the key set does not have
 * cached negatively (unknownKeyRefetchMs).
 */
class JwksSigningKeys extends SigningKeys {
  readonly algorithms: readonly Algorithm[] = ['RS256'];
  private readonly logger = new Logger('Auth');
  private published: PublishedKeys | undefined;
  /** The lookup of a kid the last key set did not have, while one is under way. */
  private lookup: Promise<JwksRsa.SigningKey> | undefined;
  private readonly client: JwksRsa.JwksClient;

  constructor(
    private readonly jwksRsa: typeof JwksRsa,
    clientOptions: JwksRsa.Options,
    private readonly jwksUrl: string,
    private readonly settings: JwksClientSettings,
  ) {
    super();
    const remember = (keys: unknown): void => {
      const kids = (Array.isArray(keys) ? (keys as { kid?: unknown }[]) : [])
        .map((key) => key.kid)
        .filter((kid): kid is string => typeof kid === 'string');
      this.published = { kids: new Set(kids), at: Date.now() };
    };
    /** jwks-rsa's client, telling us every key set it fetches. */
    class KeySetClient extends jwksRsa.JwksClient {
      override async getKeys(): Promise<unknown> {
        const keys = await super.getKeys();
        remember(keys);
        return keys;
      }
    }
    this.client = new KeySetClient(clientOptions);
  }

  async keyFor(header: TokenHeader): Promise<string> {
    try {
      return (await this.signingKey(header.kid)).getPublicKey();
    } catch (error) {
      if (error instanceof this.jwksRsa.SigningKeyNotFoundError) {
        throw new AuthFailure('unknown signing key');
      }
      if (error instanceof this.jwksRsa.JwksRateLimitError) {
        this.logger.warn(
          `unknown signing key ${JSON.stringify(header.kid ?? null).slice(0, 80)}: ${this.jwksUrl} was already fetched ${this.settings.requestsPerMinute} times in the last minute`,
        );
        throw new AuthFailure('unknown signing key');
      }
      this.logger.warn(
        `could not fetch the signing keys from ${this.jwksUrl}: ${error instanceof Error ? error.message : String(error)}`,
      );
      throw new SigningKeysUnavailable(
        "the identity provider's signing keys could not be fetched; try again later",
        { cause: error },
      );
    }
  }

  private async signingKey(kid: string | undefined): Promise<JwksRsa.SigningKey> {
    for (;;) {
      const published = this.published;
      // Cached per kid; a published kid whose entry expired fetches the key set again (rate limited).
      if (kid === undefined || published?.kids.has(kid)) return this.client.getSigningKey(kid);
      // A kid the key set did not have when last fetched: a key just rotated in, or made up.
      if (published && Date.now() - published.at < this.settings.unknownKeyRefetchMs) {
        throw new this.jwksRsa.SigningKeyNotFoundError(`the key set has no key ${kid}`);
      }
      if (!this.lookup) {
        const lookup = this.client.getSigningKey(kid);
        this.lookup = lookup;
        try {
          return await lookup;
        } finally {
          this.lookup = undefined;
        }
      }
      // Another kid is being looked up: its fetch answers for this one too.
      try {
        await this.lookup;
      } catch (error) {
        if (this.published === published) throw error; // no key set came back: the same failure
      }
    }
  }
}

/** HS256 with a shared secret (development and tests only; refused in production by the config). */
class SharedSecret extends SigningKeys {
  readonly algorithms: readonly Algorithm[] = ['HS256'];

  constructor(private readonly secret: string) {
    super();
  }

  async keyFor(): Promise<string> {
    return this.secret;
  }
}

/**
 * RS256 with the embedded process's development key pair, the one `npm run token` signs with.
 * Read on first use, so that an application that never sees a token never touches the data dir.
 */
class DevSigningKey extends SigningKeys {
  readonly algorithms: readonly Algorithm[] = ['RS256'];
  private keys: Promise<DevKeyPair> | undefined;

  constructor(private readonly dataDir: string) {
    super();
  }

  async keyFor(header: TokenHeader): Promise<string> {
    const keys = await this.load();
    if (header.kid !== undefined && header.kid !== keys.keyId) {
      throw new AuthFailure('unknown signing key');
    }
    return keys.publicKeyPem;
  }

  private load(): Promise<DevKeyPair> {
    this.keys ??= loadOrCreateDevKeys(this.dataDir).catch((error: unknown) => {
      this.keys = undefined;
      throw new SigningKeysUnavailable('the development signing key could not be read', {
        cause: error,
      });
    });
    return this.keys;
  }
}

/** The signing keys of the configured mode (AppConfig.auth). */
export async function createSigningKeys(
  config: AppConfig,
  settings: JwksClientSettings,
): Promise<SigningKeys> {
  const { auth } = config;
  switch (auth.kind) {
    case 'jwks': {
      // Loaded only in this mode: jwks-rsa requires jose, an ES module, which Node 20.19+ loads
      // through require() but Jest's module registry on Node 20 cannot; processes that do not
      // use a JWKS (and the test suites that build them) never load it.
      const jwksRsa = await import('jwks-rsa');
      const options: JwksRsa.Options = {
        jwksUri: auth.jwksUrl,
        cache: true,
        cacheMaxEntries: 32,
        cacheMaxAge: settings.cacheMaxAgeMs,
        rateLimit: true,
        jwksRequestsPerMinute: settings.requestsPerMinute,
        timeout: settings.timeoutMs,
      };
      return new JwksSigningKeys(jwksRsa, options, auth.jwksUrl, settings);
    }
    case 'hs256':
      return new SharedSecret(auth.secret);
    case 'embedded-dev':
      return new DevSigningKey(config.dataDir);
  }
}
