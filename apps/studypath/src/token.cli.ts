import { parseArgs } from 'node:util';
import { loadConfig, loadOrCreateDevKeys, mintDevToken } from '@studypath/platform';

/**
 * `npm run token -- --user <id> [--hours <n>]`: prints a development token for the embedded mode,
 * signed with the local key the embedded process trusts. The token is the last line of the output.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string', short: 'u' },
      hours: { type: 'string', default: '12' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.user) {
    process.stderr.write('usage: npm run token -- --user <user-id> [--hours <n>]\n');
    process.exit(values.help ? 0 : 2);
  }
  const hours = Number(values.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) {
    process.stderr.write('--hours must be a number between 0 and 720\n');
    process.exit(2);
  }
  const config = loadConfig({ role: 'embedded' });
  const keys = await loadOrCreateDevKeys(config.dataDir);
  const token = mintDevToken(keys, {
    userId: values.user,
    expiresInSeconds: Math.round(hours * 3600),
  });
  process.stdout.write(
    `Development token for user "${values.user}", valid ${hours} h:\n${token}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
