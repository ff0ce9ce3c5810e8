import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { JwtPayload } from 'jsonwebtoken';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import type { AuthConfig } from '../config/app-config';
import { AuthFailure } from './auth-failures';
import type { AuthenticatedUser } from './current-user.decorator';
import { SigningKeys, type TokenHeader } from './signing-keys';

/** Injection token of the AuthConfig the strategy verifies with. */
export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

const MAX_USER_ID_LENGTH = 255;

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? null;
}

const malformed = (): AuthFailure => new AuthFailure('malformed token');

/**
 * Reads the token's header and refuses, before any key is looked up, what no key may verify:
 * `alg: none` and any algorithm but the mode's own (an HS256 token in RS256 mode, and so on).
 */
export function acceptedHeader(rawJwtToken: unknown, algorithms: readonly string[]): TokenHeader {
  if (typeof rawJwtToken !== 'string') throw malformed();
  const parts = rawJwtToken.split('.');
  if (parts.length !== 3 || !parts[0]) throw malformed();
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw malformed();
  const { alg, kid } = header as Record<string, unknown>;
  if (typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string')) throw malformed();
  if (alg.toLowerCase() === 'none') {
    throw new AuthFailure('unsigned tokens (alg: none) are not accepted');
  }
  if (!algorithms.includes(alg)) {
    const shown = /^[A-Za-z0-9]{1,16}$/.test(alg) ? alg : 'this algorithm';
    throw new AuthFailure(
      `tokens signed with ${shown} are not accepted (only ${algorithms.join(', ')})`,
    );
  }
  return kid === undefined ? { alg } : { alg, kid };
}

let instances = 0;

/**
 * passport-jwt over the configured signing keys: checks the signature (only the mode's algorithm),
 * the issuer, the expiry (with the clock skew), the audience when configured, and that `sub`
 * names a user. Each application's instance is registered in passport under its own name, so
 * that two applications in one process (tests) never verify with each other's configuration.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') implements OnModuleDestroy {
  /** The name JwtAuthGuard authenticates with. */
  readonly passportName = `studypath-jwt-${++instances}`;
  readonly issuer: string;

  constructor(@Inject(AUTH_CONFIG) config: AuthConfig, keys: SigningKeys) {
    super({
      jwtFromRequest: bearerToken,
      secretOrKeyProvider: (
        _request: unknown,
        rawJwtToken: unknown,
        done: (error: unknown, key?: string) => void,
      ): void => {
        let header: TokenHeader;
        try {
          header = acceptedHeader(rawJwtToken, keys.algorithms);
        } catch (error) {
          done(error);
          return;
        }
        keys.keyFor(header).then(
          (key) => done(null, key),
          (error: unknown) => done(error),
        );
      },
      algorithms: [...keys.algorithms],
      issuer: config.issuer,
      audience: config.kind === 'embedded-dev' ? undefined : config.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.clockSkewSeconds },
    });
    this.issuer = config.issuer;
    passport.use(this.passportName, this);
  }

  /** Runs once the signature and the standard claims are verified; what it returns is the user. */
  validate(payload: unknown): AuthenticatedUser {
    if (typeof payload !== 'object' || payload === null) throw malformed();
    const { exp, sub } = payload as JwtPayload;
    if (exp === undefined) throw new AuthFailure('the token has no expiry (exp)');
    if (typeof sub !== 'string' || sub.length === 0) {
      throw new AuthFailure('the token names no user (sub)');
    }
    if ([...sub].length > MAX_USER_ID_LENGTH) {
      throw new AuthFailure(
        `the token subject (sub) is longer than ${MAX_USER_ID_LENGTH} characters`,
      );
    }
    return { id: sub };
  }

  onModuleDestroy(): void {
    passport.unuse(this.passportName);
  }
}
