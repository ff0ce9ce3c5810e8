export * from './local-calendar';
export * from './mastery-updated';
export * from './mastery.model';
export * from './progress-from-history';
export * from './progress.read-model';
export * from './streaks';
export * from './task-board';
export * from './dashboard';
