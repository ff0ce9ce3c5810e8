import type { HttpAnswer, HttpCall } from './http-call';

/**
 * Asks for the next hint of a task (`POST /v1/study-tasks/{id}/hint`), waiting out the task's
 * spacing between hints (429 with the seconds to wait) and an earlier hint still in flight (409),
 * as a learner's client does: every refused request counts against the learner's hint budget, so
 * it waits as told, never polls. Any other answer, or none within `timeoutMs`, throws.
 */
export async function askHint(
  call: HttpCall,
  user: string,
  taskId: string,
  { body, timeoutMs = 40_000 }: { body?: { code: string }; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await call('POST', `/v1/study-tasks/${taskId}/hint`, user, body);
    if (answer.status === 202) return answer;
    if (answer.status !== 409 && answer.status !== 429) {
      throw new Error(`a hint on ${taskId} was refused: ${JSON.stringify(answer)}`);
    }
    if (Date.now() > deadline) throw new Error(`no hint on ${taskId}: ${JSON.stringify(answer)}`);
    const details = answer.body.details as { retry_after_seconds?: number } | undefined;
    await new Promise((resolve) =>
      setTimeout(resolve, 1000 * (details?.retry_after_seconds ?? 1) + 100),
    );
  }
}
