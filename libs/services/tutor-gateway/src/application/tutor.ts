import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { inSpan } from '@studypath/platform';
import {
  buildTutorContext,
  builtinHint,
  chunksOf,
  guardHint,
  streamableLength,
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
  /** The learner's mastery of the problem's topics, 0 to 1 (topics without data left out). */
  mastery?: Readonly<Record<string, number>>;
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
 * Where a hint goes while it is written: its text in pieces, and `reset` when the text so far is
 * void (the LLM failed after some of its text went out, and the built-in hint follows).
 */
export interface HintOutput {
  chunk(text: string): Promise<void>;
  reset(): Promise<void>;
}

const NOWHERE: HintOutput = { chunk: async () => undefined, reset: async () => undefined };

/**
 * Writes a hint: the LLM's when one is configured and answers in time with a hint the solution
 * guard lets through, else the built-in tutor's (docs/tutor.md). An LLM failure never loses a
 * hint: every path ends in a complete one.
 */
@Injectable()
export class Tutor {
  private readonly logger = new Logger('Tutor');

  constructor(@Optional() @Inject(LLM_TUTOR) private readonly llm: LlmTutorClient | null = null) {}

  /**
   * Writes the hint; `output` gets the text as it may be shown while it is written (a preview:
   * the built-in hint in phrases, the LLM's only as far as the solution guard lets text go out
   * before the hint is complete), and a reset before the built-in hint when some of the LLM's
   * went out first. The returned hint is the one that counts.
   */
  write(request: HintRequest, output: HintOutput = NOWHERE): Promise<WrittenHint> {
    return inSpan(
      'tutor hint',
      {
        attributes: {
          'studypath.hint.level': request.level,
          'studypath.hint.llm_configured': this.llm !== null,
        },
      },
      async (span) => {
        const hint = await this.writeHint(request, output);
        span?.setAttributes({
          'studypath.hint.source': hint.source,
          ...(hint.model ? { 'studypath.hint.model': hint.model } : {}),
          ...(hint.fallback ? { 'studypath.hint.fallback': hint.fallback } : {}),
        });
        return hint;
      },
    );
  }

  private async writeHint(request: HintRequest, output: HintOutput): Promise<WrittenHint> {
    let released = 0;
    const builtin = async (fallback?: FallbackReason): Promise<WrittenHint> => {
      const content = builtinHint({
        problem: { hints: request.problem?.hints ?? [] },
        level: request.level,
        latest: request.submissions.at(-1) ?? null,
      });
      if (released > 0) await output.reset();
      for (const chunk of chunksOf(content)) await output.chunk(chunk);
      return { content, source: 'builtin', model: null, ...(fallback ? { fallback } : {}) };
    };
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
      mastery: request.mastery,
      trackId: request.trackId,
    });
    try {
      let text = '';
      for await (const event of this.llm.stream(context.messages)) {
        if (event.type === 'delta') {
          text += event.text;
          const safe = streamableLength(text, { level: request.level, language });
          if (safe > released) {
            await output.chunk(text.slice(released, safe));
            released = safe;
          }
          continue;
        }
        const { completion } = event;
        if (guardHint(completion.text, { level: request.level, language }).kind === 'cut') {
          this.logger.log(
            `the LLM's level ${request.level} hint held a solution: built-in instead`,
          );
          return builtin('solution_guard');
        }
        if (completion.text.length > released) await output.chunk(completion.text.slice(released));
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
