import type { Request, Response } from 'express';

/**
 * Tags an answer with its ETag and answers `304 Not Modified` (no body) when the client holds that
 * version already. `private, no-cache`: a learner's figures are theirs, and always revalidated.
 * Returns the body to send, or undefined for a 304.
 */
export function withEntityTag<T>(
  request: Request,
  response: Response,
  etag: string,
  body: () => T,
): T | undefined {
  response.setHeader('ETag', etag);
  response.setHeader('Cache-Control', 'private, no-cache');
  const held = request.headers['if-none-match'];
  if (held && held.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
    response.status(304);
    return undefined;
  }
  return body();
}
