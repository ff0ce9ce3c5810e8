/** Where the tutor LLM is: any OpenAI-compatible chat-completions endpoint. */
export interface LlmTutorConfig {
  /** The API's base URL, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Optional: local servers (Ollama, llama.cpp, vLLM) usually need none. */
  apiKey: string | null;
  /** TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS and TUTOR_LLM_TIMEOUT_MS; the client's defaults when unset. */
  timeouts?: { firstTokenTimeoutMs?: number; totalTimeoutMs?: number };
}

/** The timeout settings: each an integer of milliseconds within its bounds. */
const TIMEOUTS = [
  ['TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS', 'firstTokenTimeoutMs', 100, 120_000],
  ['TUTOR_LLM_TIMEOUT_MS', 'totalTimeoutMs', 1_000, 600_000],
] as const;

const MODEL_NAME = /^[\w.:/@+-]{1,200}$/;
const API_KEY = /^[\x21-\x7e]{1,4096}$/;

/**
 * The tutor LLM's settings from the environment (TUTOR_LLM_URL, TUTOR_LLM_MODEL,
 * TUTOR_LLM_API_KEY, TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS, TUTOR_LLM_TIMEOUT_MS), with every problem found so that `loadConfig` can report them together with
 * the rest. No TUTOR_LLM_URL means no LLM (`llm: null`): the built-in tutor answers every hint.
 */
export function loadLlmTutorConfig(env: Record<string, string | undefined>): {
  llm: LlmTutorConfig | null;
  problems: string[];
} {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === '' ? undefined : raw;
  };
  const url = value('TUTOR_LLM_URL');
  const model = value('TUTOR_LLM_MODEL');
  const apiKey = value('TUTOR_LLM_API_KEY');
  const problems: string[] = [];

  if (url === undefined) {
    for (const [name, set] of [
      ['TUTOR_LLM_MODEL', model],
      ['TUTOR_LLM_API_KEY', apiKey],
      ...TIMEOUTS.map(([variable]) => [variable, value(variable)] as const),
    ] as const) {
      if (set !== undefined) {
        problems.push(
          `${name} is set but TUTOR_LLM_URL is not: set TUTOR_LLM_URL to the LLM's OpenAI-compatible base URL (e.g. http://127.0.0.1:11434/v1), or unset ${name} to use the built-in tutor`,
        );
      }
    }
    return { llm: null, problems };
  }

  let baseUrl: string | undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      problems.push(`TUTOR_LLM_URL must be an http:// or https:// URL, got ${parsed.protocol}//…`);
    } else if (parsed.username !== '' || parsed.password !== '') {
      problems.push('TUTOR_LLM_URL must not carry credentials: put the key in TUTOR_LLM_API_KEY');
    } else if (parsed.search !== '' || parsed.hash !== '') {
      problems.push(
        'TUTOR_LLM_URL must be a base URL without a query or fragment, e.g. https://api.openai.com/v1',
      );
    } else {
      baseUrl = parsed.toString().replace(/\/+$/, '');
    }
  } catch {
    problems.push(
      'TUTOR_LLM_URL must be a URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1',
    );
  }

  if (model === undefined) {
    problems.push(
      'TUTOR_LLM_MODEL is required when TUTOR_LLM_URL is set (e.g. gpt-4o-mini, llama3.1:8b)',
    );
  } else if (!MODEL_NAME.test(model)) {
    problems.push(
      'TUTOR_LLM_MODEL must be a model name of at most 200 letters, digits and . _ : / @ + - (no spaces)',
    );
  }

  if (apiKey !== undefined && !API_KEY.test(apiKey)) {
    // Never echo the key itself: configuration errors end up in logs.
    problems.push('TUTOR_LLM_API_KEY must be printable characters without spaces (at most 4096)');
  }

  const timeouts: NonNullable<LlmTutorConfig['timeouts']> = {};
  for (const [name, option, min, max] of TIMEOUTS) {
    const raw = value(name);
    if (raw === undefined) continue;
    const ms = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(ms >= min && ms <= max)) {
      problems.push(`${name} must be an integer of milliseconds between ${min} and ${max}`);
    } else {
      timeouts[option] = ms;
    }
  }
  const { firstTokenTimeoutMs, totalTimeoutMs } = timeouts;
  if (
    firstTokenTimeoutMs !== undefined &&
    totalTimeoutMs !== undefined &&
    firstTokenTimeoutMs >= totalTimeoutMs
  ) {
    problems.push(
      'TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS must be less than TUTOR_LLM_TIMEOUT_MS (the whole hint)',
    );
  }

  if (problems.length > 0 || baseUrl === undefined || model === undefined) {
    return { llm: null, problems };
  }
  const set = Object.keys(timeouts).length > 0 ? { timeouts } : {};
  return { llm: { baseUrl, model, apiKey: apiKey ?? null, ...set }, problems };
}
