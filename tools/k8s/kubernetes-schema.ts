import * as path from 'node:path';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import * as ts from 'typescript';

/*
 * Kubernetes objects checked against the API's own definitions, as kubernetes-models publishes
 * them: its validators (ajv, compiled from the OpenAPI schemas) for types, required fields and
 * enums; its TypeScript interfaces for fields that do not exist, which the schemas let through.
 */

export interface TypedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}

/** A kubernetes-models class: `validate()` throws what the kind's schema refuses. */
type Model = new (data: never) => { validate(): void };

/**
 * The model of every kind deploy/k8s may render, by `apiVersion/kind`. A kind missing here fails
 * the check rather than going unchecked.
 */
export const MODELS: Readonly<Record<string, Model>> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

export const typeOf = (o: TypedObject): string => `${o.apiVersion}/${o.kind}`;
const label = (o: TypedObject): string => `${typeOf(o)} ${o.metadata.name}`;

/** What the kind's schema refuses in the object (wrong types, missing fields), if anything. */
export function schemaViolation(object: TypedObject): string | undefined {
  const Model = MODELS[typeOf(object)];
  if (!Model) return `${label(object)}: no schema for this kind (add its model to MODELS)`;
  try {
    new Model(object as never).validate();
    return undefined;
  } catch (error) {
    return `${label(object)}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Every field of the objects, at any depth, that their kind does not define (a misspelt
 * `readinesProbe` is dropped by the API server or refused by strict field validation, never by
 * the schemas, which allow any field). Each object is type-checked as a literal of its
 * kubernetes-models interface: TypeScript's excess-property check names each unknown field, and
 * a value of the wrong type or outside an enum fails too.
 */
export function fieldProblems(objects: readonly TypedObject[]): string[] {
  // In this folder, so that `kubernetes-models` resolves from the workspace's node_modules; an ES
  // module, as kubernetes-models is.
  const file = path.join(__dirname, 'rendered-objects.generated.mts');
  const imports = objects.map(
    (o, i) => `import type { I${o.kind} as T${i} } from 'kubernetes-models/${typeOf(o)}';`,
  );
  // One object per line: a diagnostic's line names its object.
  const declarations = objects.map((o, i) => `export const o${i}: T${i} = ${JSON.stringify(o)};`);
  const source = [...imports, ...declarations].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const sourceFile = program.getSourceFile(file);
  const diagnostics = [
    ...program.getSyntacticDiagnostics(sourceFile),
    ...program.getSemanticDiagnostics(sourceFile),
  ];
  return diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const object = objects[line - imports.length];
    return object ? `${label(object)}: ${message}` : message;
  });
}
