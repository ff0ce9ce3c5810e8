/** The five services. Each owns one PostgreSQL schema (its name, `_` for `-`) and nothing else. */
export const SERVICE_NAMES = [
  'path',
  'task-generation',
  'evaluation',
  'tutor-gateway',
  'analytics',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];
