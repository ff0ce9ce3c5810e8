/**
 * kubernetes-models ships ES modules only (its exports name no `require` entry): Jest resolves them
 * with the `import` condition, then loads them through require(esm).
 *
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "import"]}
 */
import * as path from 'node:path';
import { K8S, OVERLAYS, render } from './kustomize-render';
import {
  MODELS,
  schemaViolation,
  typeOf,
  fieldProblems,
  type TypedObject,
} from './kubernetes-schema';

/*
 * Every object both overlays render, checked against its kind's definition in the Kubernetes API
 * (kubernetes-models 5.1.0): what a cluster would refuse at apply time, found without a cluster.
 * The broken copies below show that each check refuses what it should.
 */

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

describe.each(OVERLAYS)('deploy/k8s/overlays/%s against the Kubernetes API schemas', (overlay) => {
  const objects = render<TypedObject & Json>(path.join(K8S, 'overlays', overlay));

  it('renders only kinds that have a schema here', () => {
    const kinds = [...new Set(objects.map(typeOf))].sort();
    expect(kinds.filter((kind) => !(kind in MODELS))).toEqual([]);
    // The Job and every kind the Deployments bring along.
    expect(kinds).toEqual(
      expect.arrayContaining([
        'apps/v1/Deployment',
        'batch/v1/Job',
        'autoscaling/v2/HorizontalPodAutoscaler',
        'policy/v1/PodDisruptionBudget',
        'v1/ConfigMap',
        'v1/Service',
      ]),
    );
  });

  it('every object conforms to its kind’s schema', () => {
    expect(objects.map(schemaViolation).filter(Boolean)).toEqual([]);
  });

  it('no object has a field its kind does not define, or a value its type does not allow', () => {
    expect(fieldProblems(objects)).toEqual([]);
  });
});

describe('the schema checks refuse broken objects', () => {
  const objects = render<TypedObject & Json>(path.join(K8S, 'overlays', 'production'));
  const find = (kind: string, name: string): TypedObject & Json => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return clone(found);
  };
  /** The first container of a Deployment's or a Job's pod template. */
  const containerOf = (o: Json): Json => {
    const spec = o.spec as { template: { spec: { containers: Json[] } } };
    const [container] = spec.template.spec.containers;
    if (!container) throw new Error('no container');
    return container;
  };

  it('a port given as a string', () => {
    const deployment = find('Deployment', 'path-service');
    (containerOf(deployment).ports as Json[]).splice(0, 1, { name: 'http', containerPort: '3000' });
    expect(schemaViolation(deployment)).toMatch(
      /^apps\/v1\/Deployment path-service: .*containers\/0\/ports\/0\/containerPort must be integer/,
    );
  });

  it('a Job without its pod template’s containers', () => {
    const job = find('Job', 'migrate');
    delete (job.spec as { template: { spec: Json } }).template.spec.containers;
    expect(schemaViolation(job)).toMatch(/^batch\/v1\/Job migrate: .*must have required property/);
  });

  it('an autoscaler metric without its type', () => {
    const hpa = find('HorizontalPodAutoscaler', 'evaluation-service');
    (hpa.spec as { metrics: Json[] }).metrics.splice(0, 1, { resource: { name: 'cpu' } });
    expect(schemaViolation(hpa)).toMatch(/metrics\/0 must have required property type/);
  });

  it('a misspelt field, which the schemas let through and the field check names', () => {
    const deployment = find('Deployment', 'analytics-service');
    const container = containerOf(deployment);
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    // The OpenAPI schemas allow any field: hence fieldProblems.
    expect(schemaViolation(deployment)).toBeUndefined();
    expect(fieldProblems([deployment])).toEqual([
      expect.stringMatching(
        /^apps\/v1\/Deployment analytics-service: .*'"readinesProbe"' does not exist in type 'IContainer'/,
      ),
    ]);
  });

  it('a protocol outside its enum', () => {
    const service = find('Service', 'gateway');
    (service.spec as { ports: Json[] }).ports.forEach((port) => (port.protocol = 'HTTP'));
    expect(fieldProblems([service])).toEqual([
      expect.stringMatching(/^v1\/Service gateway: Type '"HTTP"' is not assignable/),
    ]);
  });

  it('a kind with no schema here', () => {
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'studypath' },
    };
    expect(schemaViolation(ingress)).toBe(
      'networking.k8s.io/v1/Ingress studypath: no schema for this kind (add its model to MODELS)',
    );
  });
});
