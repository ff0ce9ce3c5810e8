import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostAndPort, isPortOpen, MissingInfrastructureError } from './reachability';

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisHandle {
  url: string;
  source: 'configured' | 'started';
  stop(): Promise<void>;
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isPortOpen(host, port, 300)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Redis for tests: REDIS_URL (or 127.0.0.1:6379) when it answers, else a `redis-server` we start. */
export async function findOrStartRedis(): Promise<RedisHandle> {
  const configured = process.env.REDIS_URL ?? DEFAULT_TEST_REDIS_URL;
  const { host, port } = hostAndPort(configured, 6379);
  if (await isPortOpen(host, port)) {
    return { url: configured, source: 'configured', stop: async () => undefined };
  }
  const hasServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasServer) {
    throw new MissingInfrastructureError(
      `Redis at ${configured}`,
      'Start a Redis server and set REDIS_URL, or install one (apt-get install redis-server) so the tests can start it.',
    );
  }
  const testPort = Number(process.env.TEST_REDIS_PORT ?? 16379);
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(testPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  if (!(await waitForPort('127.0.0.1', testPort, 10_000))) {
    child.kill('SIGKILL');
    throw new MissingInfrastructureError(
      `redis-server on port ${testPort}`,
      'It did not start within 10 s; is the port taken? Set TEST_REDIS_PORT.',
    );
  }
  return {
    url: `redis://127.0.0.1:${testPort}`,
    source: 'started',
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}
