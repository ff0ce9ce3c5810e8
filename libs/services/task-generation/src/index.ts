export * from './task-generation-service.module';
export * from './task-generation.database';
export {
  GENERATION_INPUTS,
  type GenerationDecision,
  type GenerationFact,
  type TasksProposedEvent,
} from './domain/generation.decider';
export { replayGeneration, type ReplayStep, type TimedFact } from './domain/generation.replay';
export type { CatalogProblem } from './domain/generator';
