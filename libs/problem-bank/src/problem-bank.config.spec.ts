import { ConfigError } from '@studypath/platform';
import { loadProblemBankConfig } from './problem-bank.config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadProblemBankConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadProblemBankConfig', () => {
  it('uses the bundled catalog when PROBLEM_BANK_URL is not set (or empty)', () => {
    expect(loadProblemBankConfig({})).toEqual({ kind: 'bundled' });
    expect(loadProblemBankConfig({ PROBLEM_BANK_URL: '', PATH: '/usr/bin' })).toEqual({
      kind: 'bundled',
    });
  });

  it('uses the external bank with its key and the default timeout', () => {
    expect(
      loadProblemBankConfig({
        PROBLEM_BANK_URL: ' https://bank.example.com/v1/ ',
        PROBLEM_BANK_API_KEY: 'pb_live_123',
      }),
    ).toEqual({
      kind: 'http',
      url: 'https://bank.example.com/v1',
      apiKey: 'pb_live_123',
      timeoutMs: 2000,
    });
  });

  it('takes a timeout, and a local http:// bank', () => {
    expect(
      loadProblemBankConfig({
        PROBLEM_BANK_URL: 'http://127.0.0.1:8080',
        PROBLEM_BANK_API_KEY: 'k',
        PROBLEM_BANK_TIMEOUT_MS: '750',
      }),
    ).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:8080', timeoutMs: 750 });
  });

  it('names a bad URL, a missing key and a bad timeout, all at once', () => {
    const problems = problemsOf({
      PROBLEM_BANK_URL: 'ftp://bank.example.com',
      PROBLEM_BANK_TIMEOUT_MS: '2s',
    });

    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^PROBLEM_BANK_URL must be an https:\/\/ or http:\/\//);
    expect(problems[1]).toMatch(/^PROBLEM_BANK_API_KEY is required with PROBLEM_BANK_URL/);
    expect(problems[2]).toMatch(/^PROBLEM_BANK_TIMEOUT_MS must be an integer between 50 and 60000/);
  });

  it('requires a key when the URL is set', () => {
    expect(problemsOf({ PROBLEM_BANK_URL: 'https://bank.example.com' })).toEqual([
      expect.stringMatching(/^PROBLEM_BANK_API_KEY is required/) as unknown,
    ]);
  });

  it('refuses a URL with a query, a key with spaces, a timeout out of range', () => {
    expect(
      problemsOf({
        PROBLEM_BANK_URL: 'https://bank.example.com/v1?tenant=a',
        PROBLEM_BANK_API_KEY: 'two words',
        PROBLEM_BANK_TIMEOUT_MS: '120000',
      }),
    ).toEqual([
      expect.stringMatching(/^PROBLEM_BANK_URL must be/) as unknown,
      'PROBLEM_BANK_API_KEY must be printable ASCII without spaces',
      'PROBLEM_BANK_TIMEOUT_MS must be an integer between 50 and 60000',
    ]);
  });

  it('says that a key or a timeout without a URL has no effect', () => {
    expect(problemsOf({ PROBLEM_BANK_API_KEY: 'k', PROBLEM_BANK_TIMEOUT_MS: '1000' })).toEqual([
      'PROBLEM_BANK_API_KEY needs PROBLEM_BANK_URL: without it the bundled catalog is used',
      'PROBLEM_BANK_TIMEOUT_MS needs PROBLEM_BANK_URL: the bundled catalog makes no requests',
    ]);
  });

  it('throws an error whose message lists the variables', () => {
    expect(() => loadProblemBankConfig({ PROBLEM_BANK_URL: 'nope' })).toThrow(
      /Invalid configuration:\n {2}- PROBLEM_BANK_URL must be/,
    );
  });
});
