import type { ProblemMetadata } from '@studypath/problem-bank';
import type { AuditBatch } from '../application/audit-trail';
import type { PathLogEvent } from '../projections/path.projector';
import type { StudyPathRow, StudyTaskRow } from '../projections/path.repository';
import type { AuditEvent, AuditEventsPage, StudyPathResponse } from './path.dto';
import type { ProblemView, StudyTaskResponse } from './task.dto';

// Rows may come from the cache, where dates are strings already.
const iso = (value: Date | string): string => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null): string | null =>
  value === null ? null : iso(value);

export function pathView(row: StudyPathRow): StudyPathResponse {
  return {
    id: row.path_id,
    track_id: row.track_id,
    status: row.status,
    config: row.config,
    policies: row.policies,
    version: row.version,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function taskView(row: StudyTaskRow): StudyTaskResponse {
  return {
    id: row.task_id,
    path_id: row.path_id,
    problem_id: row.problem_id,
    module: row.module,
    topics: row.topics,
    difficulty: row.difficulty,
    order: row.order_index,
    source: row.source,
    status: row.status,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    hints_used: row.hints_used,
    time_spent_seconds: row.time_spent_seconds,
    last_submission_id: row.last_submission_id,
    last_evaluation: row.last_evaluation,
    metadata: row.metadata,
    version: row.version,
    created_at: iso(row.created_at),
    started_at: isoOrNull(row.started_at),
    completed_at: isoOrNull(row.completed_at),
    updated_at: iso(row.updated_at),
  };
}

export function problemView(problem: ProblemMetadata): ProblemView {
  return {
    id: problem.id,
    title: problem.title,
    statement: problem.statement,
    difficulty: problem.difficulty,
    constraints: problem.constraints,
    examples: problem.examples,
    signature: {
      params: problem.signature.params,
      returns: problem.signature.returns,
      python: problem.signature.python,
      javascript: problem.signature.javascript,
    },
  };
}

export function auditView(event: PathLogEvent): AuditEvent {
  return {
    event_id: event.event_id,
    event_type: event.event_type,
    schema_version: event.schema_version,
    stream_id: event.stream_id,
    stream_position: event.stream_position,
    global_position: event.global_position,
    occurred_at: event.occurred_at,
    data: event.data,
  };
}

export function auditPage(batch: AuditBatch): AuditEventsPage {
  return { events: batch.events.map(auditView), next_after: batch.nextAfter };
}

/** Keyset cursors: opaque to clients, base64url of the last row's (created_at, task_id). */
export function encodeCursor(row: StudyTaskRow): string {
  return Buffer.from(JSON.stringify([iso(row.created_at), row.task_id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; taskId: string } | undefined {
  try {
    const [createdAt, taskId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      string,
      string,
    ];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(taskId)) return undefined;
    return { createdAt: date, taskId };
  } catch {
    return undefined;
  }
}
