import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@studypath/contracts';
import { loadConfig } from '@studypath/platform';
import { GATEWAY_TEMPLATE, GATEWAY_VARIABLES, placeholdersOf } from '../e2e/gateway-nginx';
import { isServiceVariable } from './config-variables';
import { K8S, OVERLAYS, render } from './kustomize-render';

/*
 * deploy/k8s rendered with `kubectl kustomize` (Debian's kubectl 1.20 in CI: kustomize v2.0.3),
 * then every object checked for what a cluster would refuse or what would break at run time: known
 * kinds and API versions, names, selectors that select, probes and Services on ports that exist,
 * references to ConfigMaps and Secrets that are there, settings the services' configuration accepts.
 * The objects against the Kubernetes API's schemas: kubernetes-schema.spec.ts.
 */

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string; configMap?: { name: string }; emptyDir?: object }[];
}
interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

/** The kinds deploy/k8s may hold, each at the API version that Kubernetes serves today. */
const KNOWN = new Set([
  'v1/ConfigMap',
  'v1/Service',
  'apps/v1/Deployment',
  'batch/v1/Job',
  'policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler',
]);

/** `KEY=value` lines of an env file, comments aside. */
function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe.each(OVERLAYS)('deploy/k8s/overlays/%s rendered with kubectl kustomize', (overlay) => {
  const objects = render<K8sObject>(path.join(K8S, 'overlays', overlay));
  const byKind = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
  const deployments = byKind('Deployment');
  const deploymentSpec = (o: K8sObject): DeploymentSpec => o.spec as unknown as DeploymentSpec;
  const configMaps = new Map(byKind('ConfigMap').map((o) => [o.metadata.name, o]));
  /** A generated ConfigMap by the name it was given (kustomize adds a hash of its content). */
  const configMap = (name: string): K8sObject | undefined =>
    [...configMaps.values()].find((o) =>
      new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name),
    );

  it('holds only known kinds at current API versions, in one namespace, with valid names', () => {
    const namespaces = new Set(objects.map((o) => o.metadata.namespace));
    expect([...namespaces]).toEqual([overlay === 'production' ? 'studypath' : 'studypath-staging']);
    for (const o of objects) {
      expect(KNOWN.has(`${o.apiVersion}/${o.kind}`) ? o.kind : `${o.apiVersion}/${o.kind}`).toBe(
        o.kind,
      );
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'studypath' });
    }
    // No Secret is rendered: the real one is made outside the repository.
    expect(byKind('Secret')).toEqual([]);
  });

  it('runs each of the five services and the gateway as a Deployment behind a Service', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      [...SERVICE_NAMES.map((s) => `${s}-service`), 'gateway'].sort(),
    );
    for (const service of byKind('Service')) {
      const spec = service.spec as {
        selector: Record<string, string>;
        ports: { port: number; targetPort: string | number }[];
      };
      const selected = deployments.filter((d) =>
        matches(spec.selector, deploymentSpec(d).template.metadata.labels),
      );
      expect(selected.map((d) => d.metadata.name)).toEqual([service.metadata.name]);
      const ports = deploymentSpec(selected[0] as K8sObject).template.spec.containers.flatMap(
        (c) => c.ports ?? [],
      );
      for (const port of spec.ports) {
        expect(
          ports.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
        ).toBe(true);
      }
    }
  });

  it.each([...SERVICE_NAMES.map((s) => `${s}-service`), 'gateway'])(
    '%s: selector matches its pods; probes, resources and references hold',
    (name) => {
      const deployment = deployments.find((d) => d.metadata.name === name);
      if (!deployment) throw new Error(`no Deployment ${name}`);
      const spec = deploymentSpec(deployment);
      expect(matches(spec.selector.matchLabels, spec.template.metadata.labels)).toBe(true);
      expect(Object.keys(spec.selector.matchLabels).length).toBeGreaterThan(0);
      const pod = spec.template.spec;
      for (const container of pod.containers) {
        expect(container.image).toMatch(/^[\w./-]+:[\w.-]+$/);
        expect(container.resources?.requests).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(container.resources?.limits).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        const portNames = new Set((container.ports ?? []).map((p) => p.name));
        const probes = [container.readinessProbe, container.livenessProbe];
        if (container.startupProbe) probes.push(container.startupProbe);
        for (const probe of probes) {
          expect(probe?.httpGet?.path).toMatch(/^\/health(\/live)?$/);
          expect(portNames.has(String(probe?.httpGet?.port))).toBe(true);
        }
        for (const from of container.envFrom ?? []) {
          if (from.configMapRef) expect(configMaps.has(from.configMapRef.name)).toBe(true);
          if (from.secretRef) expect(from.secretRef.name).toBe('studypath-secrets');
        }
        const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
        for (const mount of container.volumeMounts ?? []) {
          const volume = volumes.get(mount.name);
          expect(volume).toBeDefined();
          if (volume?.configMap) expect(configMaps.has(volume.configMap.name)).toBe(true);
        }
      }
      if (name !== 'gateway') {
        const [container] = pod.containers;
        expect(container?.readinessProbe?.httpGet?.path).toBe('/health');
        expect(container?.livenessProbe?.httpGet?.path).toBe('/health/live');
        // Longer than the process's own shutdown timeout (docs/configuration.md).
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
          name === 'evaluation-service' ? 150 : 30,
        );
      }
    },
  );

  it('a PodDisruptionBudget and an autoscaler per Deployment; no budget blocks a node drain', () => {
    for (const deployment of deployments) {
      const spec = deploymentSpec(deployment);
      const budgets = byKind('PodDisruptionBudget').filter((b) =>
        matches(
          (b.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          spec.template.metadata.labels,
        ),
      );
      expect(budgets).toHaveLength(1);
      const scalers = byKind('HorizontalPodAutoscaler').filter(
        (h) =>
          (h.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef.name ===
          deployment.metadata.name,
      );
      expect(scalers).toHaveLength(1);
      const hpa = scalers[0]?.spec as { minReplicas: number; maxReplicas: number };
      expect(hpa.minReplicas).toBeGreaterThanOrEqual(1);
      expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
      const budget = budgets[0]?.spec as { minAvailable?: number; maxUnavailable?: number };
      // Exactly one of the two, and room to evict a pod at the autoscaler's minimum.
      expect((budget.minAvailable === undefined) !== (budget.maxUnavailable === undefined)).toBe(
        true,
      );
      if (budget.minAvailable !== undefined) {
        expect(budget.minAvailable).toBeLessThan(hpa.minReplicas);
      }
    }
  });

  it.each(SERVICE_NAMES)(
    'the %s service’s settings (ConfigMap, the Secret’s keys, its own env) are ones its configuration reads and accepts',
    (service: ServiceName) => {
      const deployment = deployments.find((d) => d.metadata.name === `${service}-service`);
      const container = deployment && deploymentSpec(deployment).template.spec.containers[0];
      if (!container) throw new Error(`no ${service} container`);
      const own = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
      // SERVICE picks the entry point in the image (Dockerfile); the rest is configuration.
      expect(own.SERVICE).toBe(service);
      delete own.SERVICE;
      const fromConfigMap = container.envFrom
        ?.map((from) => from.configMapRef && configMaps.get(from.configMapRef.name)?.data)
        .reduce<Record<string, string>>((all, data) => ({ ...all, ...data }), {});
      const secret = envFile(path.join(K8S, 'secrets.env.example'));
      const env = { ...fromConfigMap, ...secret, ...own };
      const unknown = Object.keys(env).filter((key) => !isServiceVariable(key));
      expect(unknown).toEqual([]);
      const config = loadConfig({ role: 'service', service, env });
      expect(config.auth).toMatchObject({ kind: 'jwks' });
    },
  );

  it('runs the migrations as a Job: the services’ image and settings, `npm run migrate`, retried, then deleted', () => {
    const jobs = byKind('Job');
    expect(jobs.map((j) => j.metadata.name)).toEqual(['migrate']);
    const spec = jobs[0]?.spec as {
      backoffLimit?: number;
      ttlSecondsAfterFinished?: number;
      template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    };
    expect(spec.backoffLimit).toBeGreaterThan(0);
    expect(spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    // Not a Deployment's pods: no Service or budget may select it.
    expect(spec.template.metadata.labels['app.kubernetes.io/name']).toBe('migrate');
    expect(spec.template.spec.restartPolicy).toBe('OnFailure');
    const [container, ...others] = spec.template.spec.containers;
    expect(others).toEqual([]);
    const service = deployments.find((d) => d.metadata.name === 'path-service');
    const serviceContainer = service && deploymentSpec(service).template.spec.containers[0];
    expect(container?.image).toBe(serviceContainer?.image);
    expect(container?.envFrom).toEqual(serviceContainer?.envFrom);
    expect(container?.resources?.limits).toEqual({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    // The image runs `npm run migrate`'s entry point, which exists.
    const root = path.resolve(K8S, '../..');
    const scripts = (
      JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(container?.command?.join(' ')).toBe(scripts.migrate);
    expect(existsSync(path.join(root, container?.command?.at(-1) ?? ''))).toBe(true);
    // Its settings (the services' ConfigMap and the Secret's keys) are ones the CLI accepts; on
    // Kafka, it migrates the five services' schemas and not the embedded bus's dead letters.
    const data = container?.envFrom
      ?.map((from) => from.configMapRef && configMaps.get(from.configMapRef.name)?.data)
      .reduce<Record<string, string>>((all, d) => ({ ...all, ...d }), {});
    const config = loadConfig({
      role: 'embedded',
      env: { ...data, ...envFile(path.join(K8S, 'secrets.env.example')) },
    });
    expect(config.database).toMatchObject({ kind: 'url' });
    expect(config.kafka).toBeDefined();
  });

  it('gives the gateway every variable of its template, and only those are substituted', () => {
    const gatewayConfig = configMap('gateway-config')?.data ?? {};
    const template = configMap('gateway-templates')?.data?.['studypath.conf.template'];
    expect(template).toBe(readFileSync(GATEWAY_TEMPLATE, 'utf8'));
    expect(placeholdersOf(template ?? '').sort()).toEqual([...GATEWAY_VARIABLES].sort());
    const filter = new RegExp(gatewayConfig.NGINX_ENVSUBST_FILTER ?? '');
    for (const name of GATEWAY_VARIABLES) {
      expect(gatewayConfig[name]).toBeTruthy();
      expect(filter.test(name)).toBe(true);
    }
    // Kubernetes and the image put other variables in the container (PATH, HOSTNAME, NGINX_VERSION).
    for (const name of ['PATH', 'HOSTNAME', 'HOME', 'NGINX_VERSION', 'PKG_RELEASE']) {
      expect(filter.test(name)).toBe(false);
    }
    // Each upstream is a Service of this deployment, on its port.
    const services = new Map(
      byKind('Service').map((s) => [
        s.metadata.name,
        (s.spec as { ports: { port: number }[] }).ports.map((p) => p.port),
      ]),
    );
    for (const name of GATEWAY_VARIABLES.filter((v) => v.endsWith('_SERVICE_ADDRESS'))) {
      const [host, port] = (gatewayConfig[name] ?? '').split(':');
      expect(services.get(host ?? '')).toContain(Number(port));
    }
  });
});
