import type * as NodeCrypto from 'node:crypto';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';
import { PlatformModule } from '../platform.module';
import { CurrentUser, type AuthenticatedUser } from './current-user.decorator';
import { DEV_TOKEN_ISSUER, loadOrCreateDevKeys, mintDevToken, type DevKeyPair } from './dev-keys';
import { Public } from './public.decorator';
import {
  DEFAULT_JWKS_CLIENT_SETTINGS,
  JWKS_CLIENT_SETTINGS,
  type JwksClientSettings,
} from './signing-keys';

// jwks-rsa turns the JWKS into PEM keys with jose 6, an ES module that Node 20.19+ loads through
// require() but Jest's module registry on Node 20 cannot ("Must use import to load ES Module").
// Until Jest transforms jose (or runs on Node 24.9+), its two functions that jwks-rsa uses are
// given here by node:crypto. Everything else (fetching, caching, rate limiting, kid lookup) is
// the real jwks-rsa against the real HTTP server below.
jest.mock('jose', () => {
  const crypto = jest.requireActual<typeof NodeCrypto>('node:crypto');
  return {
    importJWK: async (jwk: NodeCrypto.JsonWebKey): Promise<KeyObject> =>
      jwk.d === undefined
        ? crypto.createPublicKey({ key: jwk, format: 'jwk' })
        : crypto.createPrivateKey({ key: jwk, format: 'jwk' }),
    exportSPKI: async (key: KeyObject): Promise<string> =>
      key.export({ format: 'pem', type: 'spki' }).toString(),
  };
});

const AUDIENCE = 'studypath-api';
const USER = 'user-42';

interface RsaKey {
  kid: string;
  privateKey: KeyObject;
  publicKeyPem: string;
  jwk: NodeCrypto.JsonWebKey & { kid: string; alg: string; use: string };
}

function rsaKey(kid: string): RsaKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}

type Fault = { kind: 'none' } | { kind: 'status'; status: number } | { kind: 'slow'; ms: number };

/** An identity provider that publishes a JWKS over real HTTP, with faults to inject. */
class FakeIdentityProvider {
  readonly issuer = 'https://idp.studypath.test';
  /** How many times the key set was asked for. */
  fetches = 0;
  fault: Fault = { kind: 'none' };
  jwksUrl = '';
  private keys: RsaKey[] = [];
  private readonly server: Server = createServer((req, res) => this.handle(req, res));
  private readonly timers = new Set<NodeJS.Timeout>();

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  }

  /** Publishes exactly these keys from now on. */
  publish(...keys: RsaKey[]): void {
    this.keys = keys;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    this.fetches += 1;
    const fault = this.fault;
    if (fault.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'the identity provider is down' }));
      return;
    }
    const body = JSON.stringify({ keys: this.keys.map((key) => key.jwk) });
    const send = (): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    };
    if (fault.kind === 'slow') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!res.destroyed) send();
      }, fault.ms);
      this.timers.add(timer);
      return;
    }
    send();
  }
}

const now = (): number => Math.floor(Date.now() / 1000);

/** The claims of a valid token, with overrides (undefined removes a claim). */
function claims(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const all: Record<string, unknown> = {
    sub: USER,
    iss: issuer,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 300,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

function rs256(key: RsaKey, payload: Record<string, unknown>, kid = key.kid): string {
  return jwt.sign(payload, key.privateKey, { algorithm: 'RS256', keyid: kid });
}

const base64url = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

function unsigned(payload: Record<string, unknown>, alg = 'none'): string {
  return `${base64url({ alg, typ: 'JWT' })}.${base64url(payload)}.`;
}

@Controller('probe')
class ProbeController {
  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser): AuthenticatedUser {
    return user;
  }

  @Public()
  @Get('open')
  open(): { open: boolean } {
    return { open: true };
  }
}

/** The configuration of an application that trusts `idp`'s keys for AUDIENCE. */
function trusting(idp: FakeIdentityProvider, dataDir: string): AppConfig {
  return loadConfig({
    role: 'embedded',
    env: {
      STUDYPATH_DATA_DIR: dataDir,
      AUTH_JWKS_URL: idp.jwksUrl,
      AUTH_ISSUER: idp.issuer,
      AUTH_AUDIENCE: AUDIENCE,
    },
  });
}

async function startApp(
  config: AppConfig,
  settings: Partial<JwksClientSettings> = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forRoot(config)],
    controllers: [ProbeController],
  })
    .overrideProvider(JWKS_CLIENT_SETTINGS)
    .useValue({ ...DEFAULT_JWKS_CLIENT_SETTINGS, requestsPerMinute: 600, ...settings })
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

interface Answer {
  status: number;
  message?: unknown;
  body: unknown;
  challenge?: string;
}

async function callMe(app: INestApplication, authorization?: string): Promise<Answer> {
  const call = request(app.getHttpServer()).get('/probe/me');
  if (authorization !== undefined) void call.set('Authorization', authorization);
  const response = await call;
  const body = response.body as { message?: unknown };
  return {
    status: response.status,
    message: body.message,
    body,
    challenge: response.headers['www-authenticate'],
  };
}

const withToken = (app: INestApplication, token: string): Promise<Answer> =>
  callMe(app, `Bearer ${token}`);

async function expectRefused(
  app: INestApplication,
  token: string,
  message: string,
  status = 401,
): Promise<void> {
  const answer = await withToken(app, token);
  expect({ status: answer.status, message: answer.message }).toEqual({ status, message });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('JWT authentication with an identity provider (JWKS)', () => {
  const idp = new FakeIdentityProvider();
  const current = rsaKey('key-2026-01');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studypath-auth-'));
  let app: INestApplication;

  const valid = (overrides: Record<string, unknown> = {}): string =>
    rs256(current, claims(idp.issuer, overrides));

  /** A token signed with `key` is refused for now: its key could not be fetched (in time). */
  const expectUnavailable = (key: RsaKey): Promise<void> =>
    expectRefused(
      app,
      rs256(key, claims(idp.issuer)),
      "the identity provider's signing keys could not be fetched; try again later",
      503,
    );

  beforeAll(async () => {
    await idp.start();
    idp.publish(current);
    // Every test here asks for a kid the key set lacked a moment before (the provider publishes it
    // just then), so unknown kids are looked up at once; their negative caching is tested below.
    app = await startApp(trusting(idp, dataDir), { timeoutMs: 500, unknownKeyRefetchMs: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await idp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    idp.fault = { kind: 'none' };
  });

  it('accepts a valid token and gives the route the user id from sub', async () => {
    const answer = await withToken(app, valid());

    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 200,
      body: { id: USER },
    });
  });

  it('serves @Public() routes and /health without a token', async () => {
    const open = await request(app.getHttpServer()).get('/probe/open');
    const health = await request(app.getHttpServer()).get('/health');

    expect([open.status, open.body]).toEqual([200, { open: true }]);
    expect(health.status).toBe(200);
  });

  it('refuses a request without a token: missing bearer token', async () => {
    const answer = await callMe(app);

    expect([answer.status, answer.message]).toEqual([401, 'missing bearer token']);
    expect(answer.challenge).toBe('Bearer realm="studypath"');
  });

  it('refuses another authorization scheme, saying what is expected', async () => {
    const answer = await callMe(app, 'Basic dXNlcjpwYXNz');

    expect([answer.status, answer.message]).toEqual([
      401,
      'missing bearer token: the Authorization header must read "Bearer <token>"',
    ]);
  });

  it.each([
    ['not a JWT', 'not-a-jwt'],
    ['two parts', 'eyJhbGciOiJSUzI1NiJ9.e30'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.c2ln'],
    ['a header without alg', `${base64url({ typ: 'JWT' })}.e30.c2ln`],
    ['a kid that is not a string', `${base64url({ alg: 'RS256', kid: 7 })}.e30.c2ln`],
  ])('refuses a malformed token (%s)', async (_case, token) => {
    const answer = await withToken(app, token);

    expect([answer.status, answer.message]).toEqual([401, 'malformed token']);
    expect(answer.challenge).toBe('Bearer realm="studypath", error="invalid_token"');
  });

  it('refuses an expired token', async () => {
    await expectRefused(app, valid({ iat: now() - 600, exp: now() - 60 }), 'the token has expired');
  });

  it('accepts a token expired by less than the clock skew (30 s)', async () => {
    const answer = await withToken(app, valid({ iat: now() - 600, exp: now() - 10 }));

    expect(answer.status).toBe(200);
  });

  it('refuses a token that is not valid yet (nbf beyond the clock skew)', async () => {
    await expectRefused(app, valid({ nbf: now() + 120 }), 'the token is not valid yet (nbf)');
  });

  it('refuses a token from another issuer', async () => {
    await expectRefused(
      app,
      valid({ iss: 'https://evil.example' }),
      `the token was not issued by ${idp.issuer}`,
    );
  });

  it.each([
    ['another audience', { aud: 'some-other-api' }],
    ['no audience', { aud: undefined }],
  ])('refuses a token for %s', async (_case, overrides) => {
    await expectRefused(app, valid(overrides), 'the token is not for this audience');
  });

  it.each(['none', 'None', 'NONE'])('refuses an unsigned token (alg: %s)', async (alg) => {
    await expectRefused(
      app,
      unsigned(claims(idp.issuer), alg),
      'unsigned tokens (alg: none) are not accepted',
    );
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const impostor = rsaKey(current.kid);

    await expectRefused(app, rs256(impostor, claims(idp.issuer)), 'the token signature is invalid');
  });

  it('refuses an HS256 token, even one signed with the public key as its secret', async () => {
    const withSecret = jwt.sign(claims(idp.issuer), 'a-guessed-secret-that-is-long-enough', {
      algorithm: 'HS256',
      keyid: current.kid,
    });
    const confused = jwt.sign(claims(idp.issuer), current.publicKeyPem, {
      algorithm: 'HS256',
      keyid: current.kid,
    });

    for (const token of [withSecret, confused]) {
      await expectRefused(app, token, 'tokens signed with HS256 are not accepted (only RS256)');
    }
  });

  it('refuses a token whose kid the identity provider does not publish', async () => {
    const stranger = rsaKey('key-never-published');

    await expectRefused(app, rs256(stranger, claims(idp.issuer)), 'unknown signing key');
  });

  it.each([
    ['no sub', { sub: undefined }, 'the token names no user (sub)'],
    ['an empty sub', { sub: '' }, 'the token names no user (sub)'],
    [
      'a sub of 256 characters',
      { sub: 'u'.repeat(256) },
      'the token subject (sub) is longer than 255 characters',
    ],
    ['no exp', { exp: undefined }, 'the token has no expiry (exp)'],
  ])('refuses a token with %s', async (_case, overrides, message) => {
    await expectRefused(app, valid(overrides), message);
  });

  it('accepts a sub of exactly 255 characters', async () => {
    const id = 'u'.repeat(255);
    const answer = await withToken(app, valid({ sub: id }));

    expect([answer.status, answer.body]).toEqual([200, { id }]);
  });

  it('serves known keys from its cache without asking the identity provider again', async () => {
    await withToken(app, valid());
    const before = idp.fetches;

    for (let i = 0; i < 5; i += 1) expect((await withToken(app, valid())).status).toBe(200);
    expect(idp.fetches).toBe(before);
  });

  it('answers 503 when the identity provider fails (500) for a key it does not have, and keeps serving the keys it has', async () => {
    const next = rsaKey('key-2026-02');
    idp.publish(current, next);
    idp.fault = { kind: 'status', status: 500 };

    await expectUnavailable(next);
    expect((await withToken(app, valid())).status).toBe(200);

    idp.fault = { kind: 'none' };
    expect((await withToken(app, rs256(next, claims(idp.issuer)))).status).toBe(200);
  });

  it('answers 503 when the identity provider is slower than the timeout, and 200 when it is slow but in time', async () => {
    const later = rsaKey('key-2026-03');
    idp.publish(current, later);
    idp.fault = { kind: 'slow', ms: 2_000 };

    await expectUnavailable(later);

    idp.fault = { kind: 'slow', ms: 100 };
    expect((await withToken(app, rs256(later, claims(idp.issuer)))).status).toBe(200);
  });
});

describe('JWT authentication across key rotations and floods of unknown keys', () => {
  const CACHE_MAX_AGE_MS = 3_000;
  const UNKNOWN_KEY_REFETCH_MS = 1_000;
  const RATE_LIMIT = 3;
  const idp = new FakeIdentityProvider();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studypath-auth-'));
  let config: AppConfig;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    await idp.start();
    config = trusting(idp, dataDir);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await idp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const token = (key: RsaKey): string => rs256(key, claims(idp.issuer));

  it('fetches a key rotated in on its first token once the key set is older than the negative cache, and stops trusting a removed key once its cache entry expires', async () => {
    const app = await startApp(config, {
      cacheMaxAgeMs: CACHE_MAX_AGE_MS,
      unknownKeyRefetchMs: UNKNOWN_KEY_REFETCH_MS,
    });
    apps.push(app);
    const old = rsaKey('rotation-old');
    const rotated = rsaKey('rotation-new');
    idp.publish(old);
    const start = idp.fetches;

    expect((await withToken(app, token(old))).status).toBe(200);
    expect(idp.fetches - start).toBe(1);

    // The provider publishes the new key next to the old one and starts signing with it: the key
    // set fetched a moment ago did not have it, so it is unknown without asking again ...
    idp.publish(old, rotated);
    await expectRefused(app, token(rotated), 'unknown signing key');
    expect(idp.fetches - start).toBe(1);

    // ... until that key set is older than the negative cache: then its first token fetches it.
    await sleep(UNKNOWN_KEY_REFETCH_MS + 100);
    expect((await withToken(app, token(rotated))).status).toBe(200);
    expect(idp.fetches - start).toBe(2);

    // The provider drops the old key: cached, it is still trusted for a while ...
    idp.publish(rotated);
    expect((await withToken(app, token(old))).status).toBe(200);
    expect(idp.fetches - start).toBe(2);

    // ... until its cache entry expires and the key set, fetched again, no longer has it.
    await sleep(CACHE_MAX_AGE_MS + 300);
    await expectRefused(app, token(old), 'unknown signing key');
    expect(idp.fetches - start).toBe(3);
    expect((await withToken(app, token(rotated))).status).toBe(200);
  });

  it('lets a flood of made-up kids cost one fetch per negative-cache interval, leaving the fetch budget to a key rotated in', async () => {
    const app = await startApp(config, {
      requestsPerMinute: RATE_LIMIT,
      unknownKeyRefetchMs: UNKNOWN_KEY_REFETCH_MS,
    });
    apps.push(app);
    const published = rsaKey('published');
    idp.publish(published);
    const start = idp.fetches;
    const stranger = rsaKey('stranger');
    // Tokens signed up front, so that each flood arrives at once.
    const flood = async (round: number): Promise<number[]> => {
      const tokens = Array.from({ length: 10 }, (_, i) =>
        rs256(stranger, claims(idp.issuer), `made-up-${round}-${i}`),
      );
      return Promise.all(tokens.map(async (t) => (await withToken(app, t)).status));
    };

    // Ten made-up kids at once: one of them fetches the key set, the others wait for its answer.
    expect(await flood(1)).toEqual(Array(10).fill(401));
    expect(idp.fetches - start).toBe(1);
    // Ten more while that key set is fresh: nobody asks the provider.
    expect(await flood(2)).toEqual(Array(10).fill(401));
    expect(idp.fetches - start).toBe(1);
    // Once it is older than the negative cache, one fetch again.
    await sleep(UNKNOWN_KEY_REFETCH_MS + 100);
    expect(await flood(3)).toEqual(Array(10).fill(401));
    expect(idp.fetches - start).toBe(2);

    // Twenty-one tokens with unknown kids used two fetches of the three a minute: the key the
    // provider rotates in now is still fetched on its first token (after the negative cache).
    const rotated = rsaKey('rotated-in-during-the-flood');
    idp.publish(published, rotated);
    await sleep(UNKNOWN_KEY_REFETCH_MS + 100);
    expect((await withToken(app, token(rotated))).status).toBe(200);
    expect(idp.fetches - start).toBe(3);

    // The budget holds too: the next unknown kid, past the negative cache, is refused unasked.
    await sleep(UNKNOWN_KEY_REFETCH_MS + 100);
    await expectRefused(
      app,
      rs256(stranger, claims(idp.issuer), 'one-too-many'),
      'unknown signing key',
    );
    expect(idp.fetches - start).toBe(RATE_LIMIT);
  });
});

describe('JWT authentication without an identity provider', () => {
  const SECRET = 'a-shared-test-secret-of-40-characters!!!';
  const HS_ISSUER = 'studypath-tests';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studypath-auth-'));
  let devKeys: DevKeyPair;
  let hs256App: INestApplication;
  let devApp: INestApplication;

  const hs256 = (overrides: Record<string, unknown> = {}, secret = SECRET): string =>
    jwt.sign(claims(HS_ISSUER, { aud: undefined, ...overrides }), secret, {
      algorithm: 'HS256',
    });

  beforeAll(async () => {
    devKeys = await loadOrCreateDevKeys(dataDir);
    // Both applications live side by side: each must verify with its own configuration.
    hs256App = await startApp(
      loadConfig({
        role: 'embedded',
        env: { STUDYPATH_DATA_DIR: dataDir, AUTH_HS256_SECRET: SECRET, AUTH_ISSUER: HS_ISSUER },
      }),
    );
    devApp = await startApp(loadConfig({ role: 'embedded', env: { STUDYPATH_DATA_DIR: dataDir } }));
  });

  afterAll(async () => {
    await hs256App?.close();
    await devApp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('hs256 mode', () => {
    it('accepts a token signed with the shared secret', async () => {
      const answer = await withToken(hs256App, hs256());

      expect([answer.status, answer.body]).toEqual([200, { id: USER }]);
    });

    it('refuses a token signed with another secret', async () => {
      await expectRefused(
        hs256App,
        hs256({}, 'another-secret-that-is-long-enough-too'),
        'the token signature is invalid',
      );
    });

    it('refuses RS256 tokens, unsigned tokens, expired tokens and other issuers', async () => {
      await expectRefused(
        hs256App,
        mintDevToken(devKeys, { userId: USER }),
        'tokens signed with RS256 are not accepted (only HS256)',
      );
      await expectRefused(
        hs256App,
        unsigned(claims(HS_ISSUER)),
        'unsigned tokens (alg: none) are not accepted',
      );
      await expectRefused(
        hs256App,
        hs256({ iat: now() - 600, exp: now() - 60 }),
        'the token has expired',
      );
      await expectRefused(
        hs256App,
        hs256({ iss: 'someone-else' }),
        `the token was not issued by ${HS_ISSUER}`,
      );
    });
  });

  describe('embedded-dev mode', () => {
    it('accepts a token from mintDevToken (npm run token)', async () => {
      const answer = await withToken(devApp, mintDevToken(devKeys, { userId: 'dev-user' }));

      expect([answer.status, answer.body]).toEqual([200, { id: 'dev-user' }]);
    });

    it('refuses a token of another key pair, under its own kid or under the dev kid', async () => {
      const otherDir = mkdtempSync(path.join(tmpdir(), 'studypath-auth-other-'));
      try {
        const other = await loadOrCreateDevKeys(otherDir);
        await expectRefused(devApp, mintDevToken(other, { userId: USER }), 'unknown signing key');
        await expectRefused(
          devApp,
          mintDevToken({ ...other, keyId: devKeys.keyId }, { userId: USER }),
          'the token signature is invalid',
        );
      } finally {
        rmSync(otherDir, { recursive: true, force: true });
      }
    });

    it('refuses an expired dev token, an HS256 token and a dev-key token of another issuer', async () => {
      await expectRefused(
        devApp,
        mintDevToken(devKeys, { userId: USER, expiresInSeconds: -60 }),
        'the token has expired',
      );
      await expectRefused(
        devApp,
        hs256({ iss: DEV_TOKEN_ISSUER }),
        'tokens signed with HS256 are not accepted (only RS256)',
      );
      const foreign = jwt.sign(claims('someone-else'), devKeys.privateKeyPem, {
        algorithm: 'RS256',
        keyid: devKeys.keyId,
      });
      await expectRefused(devApp, foreign, `the token was not issued by ${DEV_TOKEN_ISSUER}`);
    });
  });

  it('keeps each application to its own configuration', async () => {
    const devToken = mintDevToken(devKeys, { userId: USER });

    expect((await withToken(devApp, devToken)).status).toBe(200);
    expect((await withToken(hs256App, devToken)).status).toBe(401);
    expect((await withToken(hs256App, hs256())).status).toBe(200);
    expect((await withToken(devApp, hs256())).status).toBe(401);
  });
});
