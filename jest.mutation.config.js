// @ts-check
/**
 * The unit project of jest.config.js, narrowed to the specs of the code that Stryker mutates
 * (stryker.config.json), so that each mutant runs only the tests that can kill it.
 */
const { projects } = require('./jest.config.js');

const unit = projects.find((project) => project.displayName === 'unit');
if (!unit) throw new Error('jest.config.js has no unit project');

/** @type {import('jest').Config} */
module.exports = {
  ...unit,
  testMatch: [
    '<rootDir>/libs/services/path/src/domain/{task,path}.decider.spec.ts',
    '<rootDir>/libs/services/task-generation/src/domain/generator.spec.ts',
    '<rootDir>/libs/services/task-generation/src/domain/*.decider.spec.ts',
    '<rootDir>/libs/sandbox/src/comparators.spec.ts',
    '<rootDir>/libs/sandbox/src/outcome.spec.ts',
  ],
};
