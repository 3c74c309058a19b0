// Root lint config. Module boundaries are the architecture: each project carries a `type:*`
// tag and the rules below decide which tags may import which, and which I/O libraries a tag
// may never touch. A violation fails `nx run-many -t lint`, so the layering cannot drift.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const ioLibraries = ['amqplib', 'typeorm', 'pg', 'fastify', 'winston', 'prom-client', 'opossum'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/coverage', '**/.nx', '**/tmp'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain'],
              bannedExternalImports: ioLibraries,
            },
            {
              // Adapters log and count through the runtime; none imports another adapter.
              sourceTag: 'type:infra',
              onlyDependOnLibsWithTags: ['type:domain', 'type:runtime', 'type:testing'],
            },
            {
              sourceTag: 'type:runtime',
              onlyDependOnLibsWithTags: ['type:domain'],
              bannedExternalImports: ['amqplib', 'typeorm', 'pg'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:domain'],
              bannedExternalImports: ['typeorm', 'fastify', 'winston'],
            },
            {
              // Composition of use cases with adapters: wires libs, never drivers directly.
              sourceTag: 'type:pipeline',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:infra',
                'type:runtime',
                'type:testing',
              ],
              bannedExternalImports: ['amqplib', 'typeorm', 'pg'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:infra',
                'type:pipeline',
                'type:runtime',
                'type:testing',
              ],
              bannedExternalImports: ['amqplib', 'typeorm', 'pg'],
            },
            {
              // Simulators and the embedded demo: never imported by production code.
              sourceTag: 'type:sim',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:infra',
                'type:runtime',
                'type:pipeline',
                'type:sim',
                'type:testing',
              ],
              bannedExternalImports: ['typeorm'],
            },
            {
              // Deployment tooling (the Compose validator, the PM2 stack test) reads every
              // app's config schema, so it sees what the apps see; it runs nothing in production.
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:runtime',
                'type:pipeline',
                'type:sim',
                'type:testing',
              ],
            },
            {
              // A micro-benchmark of an infrastructure lib measures that lib beside the raw
              // client under it, so it may import both; it runs nothing in production.
              sourceTag: 'type:bench',
              onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:testing'],
            },
            {
              // End-to-end tests drive the built bundles as processes and check the outcome
              // with SQL and the broker directly; they import no production lib.
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: ['type:testing', 'type:domain', 'type:sim'],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  prettier,
];
