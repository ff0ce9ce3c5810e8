import { loadLlmTutorConfig } from './llm-tutor.config';

describe('loadLlmTutorConfig', () => {
  it('means the built-in tutor when nothing is set', () => {
    expect(loadLlmTutorConfig({})).toEqual({ llm: null, problems: [] });
    expect(loadLlmTutorConfig({ TUTOR_LLM_URL: '  ' })).toEqual({ llm: null, problems: [] });
  });

  it('reads a URL, a model and a key', () => {
    expect(
      loadLlmTutorConfig({
        TUTOR_LLM_URL: 'https://api.openai.com/v1/',
        TUTOR_LLM_MODEL: 'gpt-4o-mini',
        TUTOR_LLM_API_KEY: 'sk-abc123',
      }),
    ).toEqual({
      llm: { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: 'sk-abc123' },
      problems: [],
    });
  });

  it('takes no key for a local server', () => {
    expect(
      loadLlmTutorConfig({
        TUTOR_LLM_URL: 'http://127.0.0.1:11434/v1',
        TUTOR_LLM_MODEL: 'llama3.1:8b',
      }).llm,
    ).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b', apiKey: null });
  });

  it('names every bad or missing variable, never echoing the key', () => {
    const { llm, problems } = loadLlmTutorConfig({
      TUTOR_LLM_URL: 'ftp://llm.internal/v1',
      TUTOR_LLM_API_KEY: 'sk secret with spaces',
    });
    expect(llm).toBeNull();
    expect(problems).toEqual([
      expect.stringContaining('TUTOR_LLM_URL must be an http:// or https:// URL'),
      expect.stringContaining('TUTOR_LLM_MODEL is required'),
      expect.stringContaining('TUTOR_LLM_API_KEY must be printable'),
    ]);
    expect(problems.join('\n')).not.toContain('secret');
  });

  it('refuses a URL that is not one, or that carries credentials', () => {
    expect(
      loadLlmTutorConfig({ TUTOR_LLM_URL: 'not a url', TUTOR_LLM_MODEL: 'm' }).problems,
    ).toEqual([expect.stringContaining('TUTOR_LLM_URL must be a URL')]);
    expect(
      loadLlmTutorConfig({ TUTOR_LLM_URL: 'https://user:pw@llm.example/v1', TUTOR_LLM_MODEL: 'm' })
        .problems,
    ).toEqual([expect.stringContaining('must not carry credentials')]);
  });

  it('reads the timeouts, each within its bounds, the first token before the whole hint', () => {
    const base = { TUTOR_LLM_URL: 'http://127.0.0.1:11434/v1', TUTOR_LLM_MODEL: 'llama3.1:8b' };
    expect(
      loadLlmTutorConfig({
        ...base,
        TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS: '20000',
        TUTOR_LLM_TIMEOUT_MS: '120000',
      }).llm?.timeouts,
    ).toEqual({ firstTokenTimeoutMs: 20_000, totalTimeoutMs: 120_000 });
    expect(
      loadLlmTutorConfig({
        ...base,
        TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS: '5s',
        TUTOR_LLM_TIMEOUT_MS: '0',
      }).problems,
    ).toEqual([
      'TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS must be an integer of milliseconds between 100 and 120000',
      'TUTOR_LLM_TIMEOUT_MS must be an integer of milliseconds between 1000 and 600000',
    ]);
    expect(
      loadLlmTutorConfig({
        ...base,
        TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS: '30000',
        TUTOR_LLM_TIMEOUT_MS: '30000',
      }).problems,
    ).toEqual([
      'TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS must be less than TUTOR_LLM_TIMEOUT_MS (the whole hint)',
    ]);
    expect(loadLlmTutorConfig({ TUTOR_LLM_TIMEOUT_MS: '60000' }).problems).toEqual([
      expect.stringContaining('TUTOR_LLM_TIMEOUT_MS is set but TUTOR_LLM_URL is not'),
    ]);
  });

  it('refuses a model name with spaces', () => {
    expect(
      loadLlmTutorConfig({ TUTOR_LLM_URL: 'http://localhost:8000/v1', TUTOR_LLM_MODEL: 'my model' })
        .problems,
    ).toEqual([expect.stringContaining('TUTOR_LLM_MODEL must be a model name')]);
  });

  it('says a model or key without a URL is a mistake', () => {
    expect(loadLlmTutorConfig({ TUTOR_LLM_MODEL: 'gpt-4o-mini' })).toEqual({
      llm: null,
      problems: [expect.stringContaining('TUTOR_LLM_MODEL is set but TUTOR_LLM_URL is not')],
    });
  });
});
