import jwt from 'jsonwebtoken';

/** The shared secret and issuer that processes under test verify tokens with (HS256, tests only). */
export const TEST_AUTH = {
  secret: 'test-secret-that-is-long-enough-for-hs256-0123456789',
  issuer: 'https://issuer.test',
} as const;

/** A token for `userId`, accepted by a process started with `testProcessEnv`. */
export function testToken(userId: string, expiresInSeconds = 600): string {
  return jwt.sign({}, TEST_AUTH.secret, {
    algorithm: 'HS256',
    issuer: TEST_AUTH.issuer,
    subject: userId,
    expiresIn: expiresInSeconds,
  });
}
