import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  buildTutorContext,
  builtinHint,
  guardHint,
  type GivenHint,
  type SubmissionRecord,
  type TutorHintLevel,
  type TutorLanguage,
  type TutorProblem,
} from '../domain';
import { LlmTutorClient, LlmUnavailableError } from '../llm';

/** The LLM client of the process, or null when TUTOR_LLM_URL is not set (the built-in tutor). */
export const LLM_TUTOR = Symbol('LLM_TUTOR');

export interface HintRequest {
  problem: TutorProblem | undefined;
  level: TutorHintLevel;
  submissions: readonly SubmissionRecord[];
  hintsGiven: readonly GivenHint[];
  code?: string | null;
  trackId?: string;
}

/** Why a hint came from the built-in tutor although an LLM is configured. */
export type FallbackReason = LlmUnavailableError['reason'] | 'solution_guard' | 'no_problem';

export interface WrittenHint {
  content: string;
  source: 'llm' | 'builtin';
  model: string | null;
  promptTokens?: number;
  completionTokens?: number;
  fallback?: FallbackReason;
}

/**
 * Writes a hint: the LLM's when one is configured and answers in time with a hint the solution
 * guard lets through, else the built-in tutor's (docs/tutor.md). An LLM failure never loses a
 * hint: every path ends in a complete one.
 */
@Injectable()
export class Tutor {
  private readonly logger = new Logger('Tutor');

  constructor(@Optional() @Inject(LLM_TUTOR) private readonly llm: LlmTutorClient | null = null) {}

  async write(request: HintRequest): Promise<WrittenHint> {
    const builtin = (fallback?: FallbackReason): WrittenHint => ({
      content: builtinHint({
        problem: { hints: request.problem?.hints ?? [] },
        level: request.level,
        latest: request.submissions.at(-1) ?? null,
      }),
      source: 'builtin',
      model: null,
      ...(fallback ? { fallback } : {}),
    });
    if (!this.llm) return builtin();
    if (!request.problem) return builtin('no_problem');
    const language: TutorLanguage = request.submissions.at(-1)?.language ?? 'python';
    const context = buildTutorContext({
      problem: request.problem,
      language,
      level: request.level,
      code: request.code ?? null,
      submissions: request.submissions,
      hintsGiven: request.hintsGiven,
      trackId: request.trackId,
    });
    try {
      for await (const event of this.llm.stream(context.messages)) {
        if (event.type !== 'completed') continue;
        const { completion } = event;
        if (guardHint(completion.text, { level: request.level, language }).kind === 'cut') {
          this.logger.log(
            `the LLM's level ${request.level} hint held a solution: built-in instead`,
          );
          return builtin('solution_guard');
        }
        return {
          content: completion.text,
          source: 'llm',
          model: completion.model,
          promptTokens: completion.usage.promptTokens,
          completionTokens: completion.usage.completionTokens,
        };
      }
      return builtin('malformed');
    } catch (error) {
      if (!(error instanceof LlmUnavailableError)) throw error;
      this.logger.warn(`the LLM failed (${error.reason}): the built-in tutor answers`);
      return builtin(error.reason);
    }
  }
}
