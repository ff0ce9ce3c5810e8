import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ServiceName } from '@studypath/contracts';
import { loadConfig } from '@studypath/platform';
import { parse } from 'yaml';
import { isServiceVariable } from '../k8s/config-variables';
import { GATEWAY_VARIABLES } from './gateway-nginx';

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  build?: { args?: { SERVICE?: string } };
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  ports?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}
interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

const ROOT = path.resolve(__dirname, '../..');
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as ComposeFile;

/** A value as Compose hands it to the container: `$$` is Compose's escape for `$`. */
const composeValue = (value: string | undefined): string =>
  String(value ?? '').replace(/\$\$/g, '$');

/** The host path and container path of each bind mount of a compose service. */
function mounts(service: ComposeService | undefined): { host: string; container: string }[] {
  return (service?.volumes ?? [])
    .map((volume) => volume.split(':'))
    .filter(([host]) => host?.startsWith('./'))
    .map(([host, container]) => ({ host: host ?? '', container: container ?? '' }));
}

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services).filter(([name]) => name.endsWith('-service'));

  it('runs Kafka, PostgreSQL, Redis, the five services, the gateway, Prometheus, Grafana and Jaeger', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'analytics-service',
      'evaluation-service',
      'gateway',
      'grafana',
      'jaeger',
      'kafka',
      'path-service',
      'postgres',
      'prometheus',
      'redis',
      'task-generation-service',
      'tutor-gateway-service',
    ]);
    expect(services.map(([, s]) => s.build?.args?.SERVICE).sort()).toEqual([
      'analytics',
      'evaluation',
      'path',
      'task-generation',
      'tutor-gateway',
    ]);
  });

  it.each(services.map(([name]) => name))(
    '%s is configured only with variables the config (or the OpenTelemetry SDK) reads',
    (name) => {
      const environment = compose.services[name]?.environment ?? {};
      const unknown = Object.keys(environment).filter((key) => !isServiceVariable(key));

      expect(unknown).toEqual([]);
      for (const required of [
        'DATABASE_URL',
        'REDIS_URL',
        'KAFKA_BROKERS',
        'AUTH_JWKS_URL',
        'AUTH_ISSUER',
      ]) {
        expect(environment[required]).toBeTruthy();
      }
    },
  );

  it.each(services.map(([name]) => name))(
    '%s verifies tokens with the identity provider (never a shared secret) and its configuration loads',
    (name) => {
      const service = compose.services[name];
      const env = Object.fromEntries(
        Object.entries(service?.environment ?? {}).map(([key, value]) => [key, String(value)]),
      );

      expect(env.NODE_ENV).toBe('production');
      expect(env.AUTH_HS256_SECRET).toBeUndefined();
      expect(env.AUTH_JWKS_URL).toMatch(/^https:\/\//);
      const config = loadConfig({
        role: 'service',
        service: service?.build?.args?.SERVICE as ServiceName,
        env,
      });
      expect(config.auth).toMatchObject({ kind: 'jwks', issuer: env.AUTH_ISSUER });
    },
  );

  it('mounts only files and folders that are in the repository', () => {
    const missing = Object.entries(compose.services).flatMap(([name, service]) =>
      mounts(service)
        .filter(({ host }) => !existsSync(path.join(ROOT, host)))
        .map(({ host }) => `${name}: ${host}`),
    );
    expect(missing).toEqual([]);
  });

  describe('the gateway', () => {
    const gateway = compose.services.gateway;
    const env = gateway?.environment ?? {};

    it('renders deploy/gateway/templates, as the official nginx image does, with every variable they name', () => {
      expect(gateway?.image).toMatch(/^nginx:/);
      expect(mounts(gateway)).toEqual([
        { host: './deploy/gateway/templates', container: '/etc/nginx/templates' },
      ]);
      for (const name of GATEWAY_VARIABLES) expect(env[name]).toBeTruthy();
      // The image substitutes only the variables its filter lets through: ours, never nginx's own.
      const filter = new RegExp(composeValue(env.NGINX_ENVSUBST_FILTER));
      expect(
        Object.keys(env)
          .filter((name) => filter.test(name))
          .sort(),
      ).toEqual([...GATEWAY_VARIABLES].sort());
      expect(['PATH', 'HOSTNAME', 'HOME', 'NGINX_VERSION'].filter((n) => filter.test(n))).toEqual(
        [],
      );
    });

    it.each(GATEWAY_VARIABLES.filter((name) => name.endsWith('_SERVICE_ADDRESS')))(
      '%s names a compose service on the port it listens on, and the gateway waits for it',
      (variable) => {
        const [host, port] = String(env[variable]).split(':');
        const upstream = compose.services[host ?? ''];
        expect(upstream?.build?.args?.SERVICE).toBeDefined();
        expect(upstream?.environment?.PORT).toBe(port);
        expect(Object.keys(gateway?.depends_on ?? {})).toContain(host);
      },
    );
  });

  describe('Prometheus, Grafana and Jaeger', () => {
    const prometheus = compose.services.prometheus;
    const configMount = mounts(prometheus).find(({ host }) => host.endsWith('prometheus.yml'));
    const config = parse(
      readFileSync(
        path.join(ROOT, configMount?.host ?? 'deploy/prometheus/prometheus.yml'),
        'utf8',
      ),
    ) as PrometheusConfig;

    it('Prometheus reads deploy/prometheus/prometheus.yml, with its rules where rule_files look', () => {
      expect(configMount?.container).toBe('/etc/prometheus/prometheus.yml');
      const rules = mounts(prometheus).find(({ host }) => host === './deploy/prometheus/rules');
      for (const pattern of config.rule_files) {
        // Relative to the configuration file's folder.
        expect(path.posix.join('/etc/prometheus', pattern)).toMatch(
          new RegExp(`^${rules?.container ?? '(none)'}/`),
        );
      }
    });

    it('scrapes every service, at a compose service name and the port it listens on', () => {
      const targets = config.scrape_configs.flatMap((job) =>
        job.static_configs.flatMap((c) => c.targets),
      );
      expect(targets.map((t) => t.split(':')[0]).sort()).toEqual(
        services.map(([name]) => name).sort(),
      );
      for (const target of targets) {
        const [host, port] = target.split(':');
        expect(compose.services[host ?? '']?.environment?.PORT).toBe(port);
      }
    });

    it('Grafana is provisioned from deploy/grafana: its dashboards where the provider looks, its data source this Prometheus', () => {
      const grafana = mounts(compose.services.grafana);
      expect(grafana).toContainEqual({
        host: './deploy/grafana/provisioning',
        container: '/etc/grafana/provisioning',
      });
      const dashboards = grafana.find(({ host }) => host === './deploy/grafana/dashboards');
      const provisioning = path.join(ROOT, 'deploy/grafana/provisioning');
      const readAll = <T>(folder: string): T[] =>
        readdirSync(path.join(provisioning, folder))
          .filter((file) => /\.ya?ml$/.test(file))
          .map((file) => parse(readFileSync(path.join(provisioning, folder, file), 'utf8')) as T);
      const providers = readAll<{ providers: { options: { path: string } }[] }>('dashboards');
      expect(
        providers.flatMap((p) => p.providers.map((provider) => provider.options.path)),
      ).toEqual([dashboards?.container]);
      const sources = readAll<{ datasources: { type: string; url: string }[] }>('datasources');
      const prometheusUrls = sources
        .flatMap((file) => file.datasources)
        .filter((source) => source.type === 'prometheus')
        .map((source) => new URL(source.url));
      expect(prometheusUrls.length).toBeGreaterThan(0);
      for (const url of prometheusUrls) {
        expect(compose.services[url.hostname]).toBe(prometheus);
        expect(prometheus?.ports).toContain(`${url.port}:${url.port}`);
      }
    });

    it.each(services.map(([name]) => name))(
      '%s sends its traces to Jaeger over OTLP/HTTP',
      (name) => {
        const endpoint = new URL(
          String(compose.services[name]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT),
        );
        expect(compose.services[endpoint.hostname]?.image).toMatch(/^jaegertracing\/all-in-one:/);
        expect(endpoint.port).toBe('4318');
      },
    );
  });
});
