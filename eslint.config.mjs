import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

/** Which projects may import which: the module boundaries of DESIGN.md, enforced. */
const serviceScopes = ['path', 'generation', 'evaluation', 'tutor', 'analytics'];

const depConstraints = [
  // A service's code sees its own scope and the shared libs, never another service.
  ...serviceScopes.map((scope) => ({
    sourceTag: `scope:${scope}`,
    onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
  })),
  // Shared libs never reach into a service.
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  // Only the embedded all-in-one process puts every service together.
  {
    sourceTag: 'scope:embedded',
    onlyDependOnLibsWithTags: [
      'scope:embedded',
      'scope:shared',
      ...serviceScopes.map((s) => `scope:${s}`),
    ],
  },
  // Tests across services, benchmarks and lint probes: tools/ may use anything; nothing uses tools/.
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['*'] },
  // Layers: contracts at the bottom, importable by everyone; apps at the top.
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  // Pure domain helpers (deciders): no I/O, so domain code can use them without pulling pg in.
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'] },
  {
    sourceTag: 'type:platform',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform'],
  },
  {
    sourceTag: 'type:messaging',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:messaging', 'type:testing'],
  },
  {
    // The event store sits above messaging: its relay publishes through the bus.
    sourceTag: 'type:event-store',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:domain',
      'type:platform',
      'type:messaging',
      'type:event-store',
      'type:testing',
    ],
  },
  {
    sourceTag: 'type:problem-bank',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:domain',
      'type:platform',
      'type:problem-bank',
      'type:testing',
    ],
  },
  {
    sourceTag: 'type:sandbox',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:platform',
      'type:problem-bank',
      'type:sandbox',
      'type:testing',
    ],
  },
  {
    // The harness stays below messaging and the event store, whose tests use it.
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'],
  },
  {
    sourceTag: 'type:service',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:domain',
      'type:platform',
      'type:messaging',
      'type:event-store',
      'type:problem-bank',
      'type:sandbox',
      'type:service',
      'type:testing',
    ],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:domain',
      'type:platform',
      'type:messaging',
      'type:event-store',
      'type:problem-bank',
      'type:sandbox',
      'type:service',
    ],
  },
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'tmp/**',
      '.nx/**',
      '.studypath/**',
      'deploy/kafka/**',
      'coverage/**',
      'reports/**',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: true, allowCircularSelfDependency: false, depConstraints },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // The test harness is for tests, benchmarks and tools, never for code that ships.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@studypath/testing',
              message: 'libs/testing is for tests: production code may not import it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Domain code is pure: rules over contracts and the decider helpers, no I/O and no framework.
    // (This block replaces the one above for these files, so it bans the harness too.)
    files: ['libs/services/*/src/domain/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(@studypath/(platform|event-store|messaging|problem-bank|sandbox|testing)|@nestjs/.*|typeorm|pg|ioredis|kafkajs)$',
              allowTypeImports: true,
              message:
                'domain code is pure: it may use contracts and @studypath/decider (and types from elsewhere)',
            },
          ],
        },
      ],
    },
  },
  {
    // Test files and command-line entry points may write to the console.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.cli.ts',
      '**/*.bench.ts',
      'libs/testing/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
];
