import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const KUBECTL = process.env.KUBECTL ?? 'kubectl';
// Not through @studypath/testing: kubernetes-schema.spec.ts resolves packages with the `import`
// condition, under which pg (there) would load its ES module build.
export const K8S = path.resolve(__dirname, '../../deploy/k8s');
export const OVERLAYS = ['staging', 'production'] as const;

/** The objects `kubectl kustomize` renders from a kustomization directory. */
export function render<T>(dir: string): T[] {
  // stderr kept (newer kubectl warns of the v2-era fields), yet in the error if it fails.
  const yaml = execFileSync(KUBECTL, ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(yaml).map((document) => document.toJS() as T);
}
