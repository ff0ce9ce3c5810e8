import { parseArgs } from 'node:util';
import { replayReviews, type ProgressEvent } from '@studypath/analytics-service';
import {
  GENERATION_POLICY_VERSIONS,
  isGenerationPolicyVersion,
  isSchedulingPolicyVersion,
  SCHEDULING_POLICY_VERSIONS,
  type PathPolicies,
} from '@studypath/contracts';
import { movePathPolicies, PathDatabase, pathHistory, pathPolicies } from '@studypath/path-service';
import { createServiceDataSource, loadConfig, migrateServiceSchema } from '@studypath/platform';
import { databaseUrl } from './cli-database';
import { generationWhatIf } from './policy-generation';

const USAGE = `usage: npm run policy -- <command> --path <path-id> [options]

  show      the versions of task generation and review scheduling the path runs
  move      [--generation <v>] [--scheduling <v>] [--reason <text>]
            moves the path to other versions (an event: path.policies_changed); what it did
            before stays as it was, what it does next follows the new versions
  what-if   [--generation <v>] [--scheduling <v>]
            replays the path's real history under other versions and prints, side by side,
            what would have been proposed and scheduled; writes nothing
            (also: npm run policy:what-if -- --path <id> ...)

Versions: generation ${GENERATION_POLICY_VERSIONS.join(', ')} (or v1, v2);
          scheduling ${SCHEDULING_POLICY_VERSIONS.join(', ')} (or v1, v2).
The path service's database: DATABASE_URL, or the embedded cluster under STUDYPATH_DATA_DIR
(which must be running). docs/reviews.md ("Policies") says what each version does.
`;

function generationVersion(value: string | undefined): PathPolicies['generation'] | undefined {
  if (value === undefined) return undefined;
  const version = /^v\d+$/.test(value) ? `generation-${value.slice(1)}` : value;
  if (!isGenerationPolicyVersion(version))
    throw new UsageError(
      `unknown generation version "${value}" (known: ${GENERATION_POLICY_VERSIONS.join(', ')})`,
    );
  return version;
}

function schedulingVersion(value: string | undefined): PathPolicies['scheduling'] | undefined {
  if (value === undefined) return undefined;
  const byNumber: Record<string, string> = { v1: 'fsrs-1', v2: 'fsrs-deadline-1' };
  const version = byNumber[value] ?? value;
  if (!isSchedulingPolicyVersion(version))
    throw new UsageError(
      `unknown scheduling version "${value}" (known: ${SCHEDULING_POLICY_VERSIONS.join(', ')})`,
    );
  return version;
}

class UsageError extends Error {}

const pad = (text: string, width: number): string => text.padEnd(width);

/** The scheduling part of a what-if: each task ending, its review under both versions. */
function schedulingWhatIf(events: ProgressEvent[], recorded: string, asked: string): string[] {
  const ours = replayReviews(events, recorded);
  const theirs = replayReviews(events, asked);
  const lines = [
    `review scheduling: ${recorded} (the path's) vs ${asked}`,
    `  ${pad('task ended', 20)} ${pad('problem', 32)} ${pad('how', 8)} ${pad('rating', 7)} ${pad(recorded, 22)} ${asked}`,
  ];
  for (const [i, a] of ours.entries()) {
    const b = theirs[i];
    const at = (r: typeof a | undefined) =>
      r ? `${r.dueDay} (+${r.intervalDays} d)${r.overCap ? ' over cap' : ''}` : '-';
    const mark = b && b.dueDay !== a.dueDay ? '  *' : '';
    lines.push(
      `  ${pad(a.endedAt.slice(0, 16).replace('T', ' '), 20)} ${pad(a.problemId, 32)} ${pad(a.ended, 8)} ${pad(a.rating, 7)} ${pad(at(a), 22)} ${at(b)}${mark}`,
    );
  }
  if (ours.length === 0) lines.push('  no task has ended on this path yet: nothing was scheduled');
  const differing = ours.filter((a, i) => theirs[i]?.dueDay !== a.dueDay).length;
  lines.push(`  ${differing} of ${ours.length} reviews would fall on another day (*)`);
  return lines;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      path: { type: 'string', short: 'p' },
      generation: { type: 'string', short: 'g' },
      scheduling: { type: 'string', short: 's' },
      reason: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || !command || !['show', 'move', 'what-if'].includes(command)) {
    process.stderr.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const pathId = values.path;
  if (!pathId || !/^[0-9a-f-]{36}$/i.test(pathId))
    throw new UsageError('--path must be a study path id (uuid)');
  const generation = generationVersion(values.generation);
  const scheduling = schedulingVersion(values.scheduling);
  if (command === 'move' && !generation && !scheduling)
    throw new UsageError('move needs --generation and/or --scheduling');

  const url = await databaseUrl(loadConfig({ role: 'embedded' }));
  const dataSource = createServiceDataSource({
    ...PathDatabase,
    url,
    poolMax: 2, // the migration holds one connection for its lock
    applicationName: 'studypath-policy-cli',
  });
  await dataSource.initialize();
  try {
    await migrateServiceSchema(dataSource, { log: () => undefined });
    const path = await pathPolicies(dataSource, pathId);
    if (!path) throw new UsageError(`no study path ${pathId} in ${new URL(url).host}`);
    switch (command) {
      case 'show':
        process.stdout.write(
          `path ${pathId} (${path.status}): generation ${path.policies.generation}, scheduling ${path.policies.scheduling}\n`,
        );
        break;
      case 'move': {
        const moved = await movePathPolicies(
          dataSource,
          pathId,
          {
            ...(generation ? { generation } : {}),
            ...(scheduling ? { scheduling } : {}),
          },
          values.reason,
        );
        const now = await pathPolicies(dataSource, pathId);
        process.stdout.write(
          moved
            ? `moved path ${pathId}: generation ${now?.policies.generation}, scheduling ${now?.policies.scheduling} (event ${moved.event_id})\n`
            : `path ${pathId} already runs those versions: nothing to move\n`,
        );
        break;
      }
      case 'what-if': {
        const history = await pathHistory(dataSource, pathId);
        const events = history.map(
          (e) => ({ ...e, occurred_at: e.occurred_at }) as unknown as ProgressEvent,
        );
        const lines = [
          `what-if for path ${pathId} (${history.length} events; it runs generation ${path.policies.generation}, scheduling ${path.policies.scheduling}); nothing is written`,
          '',
          ...generationWhatIf(
            history,
            path.policies.generation,
            generation ?? path.policies.generation,
          ),
          '',
          ...schedulingWhatIf(
            events,
            path.policies.scheduling,
            scheduling ?? path.policies.scheduling,
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        break;
      }
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
