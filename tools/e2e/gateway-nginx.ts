import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { until, WORKSPACE_ROOT } from '@studypath/testing';

/** The gateway's nginx configuration: an http-context template, as the official image renders it. */
export const GATEWAY_TEMPLATE = path.join(
  WORKSPACE_ROOT,
  'deploy/gateway/templates/studypath.conf.template',
);

/** The template's own variables; everything else in it that starts with `$` is nginx's. */
export const GATEWAY_VARIABLES = [
  'PATH_SERVICE_ADDRESS',
  'EVALUATION_SERVICE_ADDRESS',
  'TUTOR_GATEWAY_SERVICE_ADDRESS',
  'ANALYTICS_SERVICE_ADDRESS',
  'GATEWAY_LISTEN_PORT',
  'GATEWAY_RATE_LIMIT',
  'GATEWAY_RATE_BURST',
] as const;

export type GatewayVariables = Record<(typeof GATEWAY_VARIABLES)[number], string>;

/** The `${NAME}` placeholders of a template, in order of appearance, without repeats. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1] ?? ''))];
}

/**
 * Renders the template as envsubst does with the list of our variables (the official image passes
 * the variables it has, so nginx's own `$names` stay): every `${NAME}` must be one of ours.
 */
export function renderGatewayConfig(values: GatewayVariables): string {
  const template = readFileSync(GATEWAY_TEMPLATE, 'utf8');
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = (values as Record<string, string | undefined>)[name];
    if (value === undefined) throw new Error(`the gateway template names \${${name}}, unknown`);
    return value;
  });
}

/** Debian's nginx is in /usr/sbin, which is not on every user's PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** A TCP port that was free a moment ago (nginx needs a number; it cannot listen on port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RunningNginx {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** nginx's error log (stderr), then its access log (JSON lines on stdout). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs the real nginx in the foreground with the rendered gateway configuration, in a directory of
 * its own (pid, temporary files), logging to its stdout and stderr; resolves once `/health` answers.
 */
export async function startNginx(
  values: Omit<GatewayVariables, 'GATEWAY_LISTEN_PORT'>,
): Promise<RunningNginx> {
  const port = await freePort();
  const prefix = mkdtempSync(path.join(tmpdir(), 'studypath-gateway-'));
  // Workers may run as another user (nobody, when the master is root): they write temporary files here.
  chmodSync(prefix, 0o755);
  writeFileSync(
    path.join(prefix, 'studypath.conf'),
    renderGatewayConfig({ ...values, GATEWAY_LISTEN_PORT: `127.0.0.1:${port}` }),
  );
  const temp = (kind: string): string => `${kind}_temp_path ${path.join(prefix, kind)};`;
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${path.join(prefix, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 1024; }',
      'http {',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
      `include ${path.join(prefix, 'studypath.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  // stdout is a file: the template logs to /dev/stdout, which cannot be opened on a socket (what
  // a pipe from Node is); a container's stdout can.
  const accessLog = path.join(prefix, 'access.log');
  const stdout = openSync(accessLog, 'a');
  const child = spawn(
    NGINX,
    ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', stdout, 'pipe'] },
  );
  closeSync(stdout);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let stopped = false;
  const printed = (): string => `${output}${stopped ? '' : readFileSync(accessLog, 'utf8')}`;
  let exitedEarly = false;
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      exitedEarly = true;
      resolve();
    });
    child.once('error', (error) => {
      output += `\n${error.message}`;
      exitedEarly = true;
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (!exitedEarly) {
      // SIGQUIT: nginx's graceful stop; SIGKILL for one that does not stop within 10 s.
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    stopped = true;
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await until(
      async () => {
        if (exitedEarly) throw new Error(`nginx exited:\n${printed()}`);
        return (await fetch(`${url}/health`).catch(() => undefined))?.status === 200;
      },
      () => `nginx to answer on ${url}/health; it printed:\n${printed()}`,
      { timeoutMs: 20_000, intervalMs: 50 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: printed, stop };
}
