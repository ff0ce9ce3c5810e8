import { ConfigError, toInt, trimmed } from '@studypath/platform';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsOptional,
  isURL,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  validateSync,
  type ValidationError,
} from 'class-validator';

/** Where problems come from: the bundled catalog, or an external bank over HTTP. */
export type ProblemBankConfig =
  { kind: 'bundled' } | { kind: 'http'; url: string; apiKey: string; timeoutMs: number };

export const DEFAULT_PROBLEM_BANK_TIMEOUT_MS = 2000;

function Satisfies(
  name: string,
  check: (value: unknown, env: ProblemBankEnvironment) => boolean,
  message: string,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value, args) => check(value, args?.object as ProblemBankEnvironment),
      },
    },
    { message },
  );
}

const hasUrl = (env: ProblemBankEnvironment): boolean => env.PROBLEM_BANK_URL !== undefined;

/** The PROBLEM_BANK_* variables (see docs/problem-bank.md). */
class ProblemBankEnvironment {
  @IsOptional()
  @Transform(trimmed)
  @Satisfies(
    'httpUrl',
    (value) =>
      typeof value === 'string' &&
      isURL(value, { protocols: ['https', 'http'], require_protocol: true, require_tld: false }) &&
      !/[?#]/.test(value),
    'PROBLEM_BANK_URL must be an https:// or http:// base URL without query or fragment, e.g. https://bank.example.com/v1',
  )
  PROBLEM_BANK_URL?: string;

  @ValidateIf(
    (env: ProblemBankEnvironment) => hasUrl(env) || env.PROBLEM_BANK_API_KEY !== undefined,
  )
  @Transform(trimmed)
  @IsDefined({
    message:
      'PROBLEM_BANK_API_KEY is required with PROBLEM_BANK_URL: the key sent as "Authorization: Bearer <key>"',
  })
  @Satisfies(
    'token',
    (value) => value === undefined || (typeof value === 'string' && /^[\x21-\x7e]+$/.test(value)),
    'PROBLEM_BANK_API_KEY must be printable ASCII without spaces',
  )
  @Satisfies(
    'needsUrl',
    (_value, env) => hasUrl(env),
    'PROBLEM_BANK_API_KEY needs PROBLEM_BANK_URL: without it the bundled catalog is used',
  )
  PROBLEM_BANK_API_KEY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PROBLEM_BANK_TIMEOUT_MS must be an integer between 50 and 60000' })
  @Min(50, { message: 'PROBLEM_BANK_TIMEOUT_MS must be an integer between 50 and 60000' })
  @Max(60000, { message: 'PROBLEM_BANK_TIMEOUT_MS must be an integer between 50 and 60000' })
  @Satisfies(
    'needsUrl',
    (_value, env) => hasUrl(env),
    'PROBLEM_BANK_TIMEOUT_MS needs PROBLEM_BANK_URL: the bundled catalog makes no requests',
  )
  PROBLEM_BANK_TIMEOUT_MS?: number;
}

function messagesOf(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => [
    ...new Set(
      Object.values(error.constraints ?? {}).map((message) =>
        message.startsWith(error.property) ? message : `${error.property}: ${message}`,
      ),
    ),
  ]);
}

/**
 * Reads the problem bank's configuration from the environment: an external bank when
 * PROBLEM_BANK_URL is set, the bundled catalog otherwise. Throws the platform's ConfigError,
 * which names every bad variable, as loadConfig does.
 */
export function loadProblemBankConfig(env: NodeJS.ProcessEnv = process.env): ProblemBankConfig {
  const known = Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => name.startsWith('PROBLEM_BANK_') && value !== undefined && value !== '',
    ),
  );
  const parsed = plainToInstance(ProblemBankEnvironment, known);
  const problems = messagesOf(validateSync(parsed, { forbidUnknownValues: false }));
  if (problems.length > 0) throw new ConfigError(problems);
  if (parsed.PROBLEM_BANK_URL === undefined || parsed.PROBLEM_BANK_API_KEY === undefined) {
    return { kind: 'bundled' };
  }
  return {
    kind: 'http',
    url: parsed.PROBLEM_BANK_URL.replace(/\/+$/, ''),
    apiKey: parsed.PROBLEM_BANK_API_KEY,
    timeoutMs: parsed.PROBLEM_BANK_TIMEOUT_MS ?? DEFAULT_PROBLEM_BANK_TIMEOUT_MS,
  };
}
