import { until, type PollOptions } from './polling';
import { testToken } from './test-token';

export interface HttpAnswer {
  status: number;
  /** The parsed JSON body; `{}` when the body is empty. */
  body: Record<string, unknown>;
}

/**
 * One request as `user`, with a test token (`null`: without a token). An object body is sent as
 * JSON; a string body is sent as it is, to test malformed JSON.
 */
export type HttpCall = (
  method: string,
  path: string,
  user: string | null,
  body?: unknown,
) => Promise<HttpAnswer>;

/** Calls the API at `baseUrl` (e.g. `http://127.0.0.1:4312`) as the user a call names. */
export function httpCaller(baseUrl: string): HttpCall {
  return async (method, path, user, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(user === null ? {} : { authorization: `Bearer ${testToken(user)}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  };
}

/**
 * GETs `path` as `user` until `done` holds for the answer (every 100 ms, up to a minute unless
 * `options` say otherwise); the failure names the last answer.
 */
export async function pollGet(
  call: HttpCall,
  user: string,
  path: string,
  done: (answer: HttpAnswer) => boolean,
  options: PollOptions = {},
): Promise<HttpAnswer> {
  let last: HttpAnswer | undefined;
  return until(
    async () => {
      last = await call('GET', path, user);
      return done(last) && last;
    },
    () => `GET ${path} to answer as wanted; it last answered ${JSON.stringify(last)}`,
    { intervalMs: 100, timeoutMs: 60_000, ...options },
  );
}
