import { HttpException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { JsonWebTokenError, NotBeforeError, TokenExpiredError } from 'jsonwebtoken';

/** Why a request's token was refused; the message is what the client is told (401). */
export class AuthFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthFailure';
  }
}

/**
 * The keys that would verify a token could not be had (the identity provider's key set is down,
 * slow or broken): not the client's fault, so a 503 the client may retry, never a 401.
 */
export class SigningKeysUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningKeysUnavailable';
  }
}

/** What passport-jwt reports when the request carries no token it could extract. */
const NO_TOKEN_MESSAGE = 'No auth token';

/** Whether passport-jwt failed because the request carried no bearer token at all. */
export function isMissingToken(failure: unknown): boolean {
  return failure instanceof Error && failure.message === NO_TOKEN_MESSAGE;
}

/**
 * The HTTP exception for a failed authentication: `failure` is passport-jwt's `info` (or error):
 * our own AuthFailure/SigningKeysUnavailable from the key lookup and the claim checks, or
 * jsonwebtoken's errors from the signature and claim verification.
 */
export function authException(failure: unknown, expectedIssuer: string): HttpException {
  if (failure instanceof HttpException) return failure;
  if (failure instanceof AuthFailure) return new UnauthorizedException(failure.message);
  if (failure instanceof SigningKeysUnavailable) {
    return new ServiceUnavailableException(failure.message);
  }
  if (failure instanceof TokenExpiredError) {
    return new UnauthorizedException('the token has expired');
  }
  if (failure instanceof NotBeforeError) {
    return new UnauthorizedException('the token is not valid yet (nbf)');
  }
  if (failure instanceof JsonWebTokenError) {
    return new UnauthorizedException(jsonWebTokenReason(failure.message, expectedIssuer));
  }
  if (isMissingToken(failure)) {
    return new UnauthorizedException('missing bearer token');
  }
  return new UnauthorizedException('invalid token');
}

function jsonWebTokenReason(message: string, expectedIssuer: string): string {
  if (message === 'invalid signature') return 'the token signature is invalid';
  if (message === 'jwt signature is required') {
    return 'unsigned tokens (alg: none) are not accepted';
  }
  if (message.startsWith('jwt issuer invalid')) {
    return `the token was not issued by ${expectedIssuer}`;
  }
  if (message.startsWith('jwt audience invalid')) return 'the token is not for this audience';
  if (message === 'invalid algorithm') return 'the token signing algorithm is not accepted';
  if (message === 'invalid exp value') return 'the token expiry (exp) is not a number';
  if (message === 'invalid nbf value') return 'the token start (nbf) is not a number';
  if (
    message === 'jwt malformed' ||
    message === 'invalid token' ||
    message === 'jwt must be provided' ||
    message === 'jwt must be a string'
  ) {
    return 'malformed token';
  }
  // Key material that does not fit the algorithm, and the like.
  return 'the token cannot be verified with its signing key';
}
