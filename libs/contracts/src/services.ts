/** The five services. Each owns the PostgreSQL schema of the same name and nothing else. */
export const SERVICE_NAMES = [
  'path',
  'task-generation',
  'evaluation',
  'tutor-gateway',
  'analytics',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The PostgreSQL schema a service owns (identifiers cannot contain '-'). */
export function serviceSchema(service: ServiceName): string {
  return service.replace(/-/g, '_');
}
