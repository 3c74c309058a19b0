// Root lint config. Module boundaries are the architecture: each project carries a `type:*`
// tag and the rules below decide which tags may import which, and which I/O libraries a tag
// may never touch; an adapter's `scope:*` tag keeps it to its own technology, and production
// code never reaches the test helpers. A violation fails `nx run-many -t lint`, so the
// layering cannot drift. libs/testing/src/module-boundaries.spec.ts shows each rule biting.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const ioLibraries = ['amqplib', 'typeorm', 'pg', 'fastify', 'winston', 'prom-client', 'opossum'];

/** Spec files and test helpers: the only files of a production lib that may use `type:testing`. */
const TEST_FILES = ['**/*.spec.ts', '**/src/testing/**/*.ts'];
const TESTING_ENTRY_POINTS = ['@linebacker/*/testing', '@linebacker/testing/*'];

/** Production tags whose specs build on the `type:testing` helpers; their own code never may. */
const TESTED_WITH_HELPERS = ['type:infra', 'type:pipeline', 'type:app'];

/**
 * The technology each adapter scope owns. A `scope:*` lib may import its own and no other's:
 * persistence never talks AMQP, messaging never SQL, and so on.
 */
const SCOPE_TECHNOLOGIES = {
  'scope:persistence': ['typeorm', 'pg'],
  'scope:messaging': ['amqplib'],
  'scope:http': ['fastify', '@fastify/*'],
  'scope:external': ['opossum'],
  'scope:azure': ['@azure/*'],
};
/**
 * The one declared dependency between adapters: the Azure Storage Queue adapter implements
 * the external-queue ports of `scope:messaging` and builds on its runner pieces.
 */
const SCOPES_BUILDING_ON_MESSAGING = ['scope:azure', 'scope:messaging'];
const scopeConstraints = Object.entries(SCOPE_TECHNOLOGIES).map(([sourceTag, own]) => ({
  sourceTag,
  bannedExternalImports: Object.values(SCOPE_TECHNOLOGIES)
    .flat()
    .filter((library) => !own.includes(library)),
  ...(SCOPES_BUILDING_ON_MESSAGING.includes(sourceTag)
    ? {}
    : { notDependOnLibsWithTags: ['scope:messaging'] }),
}));

const typeConstraints = [
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: ['type:domain'],
    bannedExternalImports: ioLibraries,
  },
  {
    // Adapters log and count through the runtime; none imports another adapter, except
    // the declared `SCOPES_BUILDING_ON_MESSAGING` (the scope rules below refuse the rest).
    sourceTag: 'type:infra',
    onlyDependOnLibsWithTags: ['type:domain', 'type:runtime', 'scope:messaging'],
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
    onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:runtime'],
    bannedExternalImports: ['amqplib', 'typeorm', 'pg'],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:pipeline', 'type:runtime'],
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
];

/** The boundary rule's options, for production files or for spec files and test helpers. */
function boundaries({ inTests }) {
  const withHelpers = (constraint) =>
    inTests && TESTED_WITH_HELPERS.includes(constraint.sourceTag)
      ? {
          ...constraint,
          onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:testing'],
        }
      : constraint;
  return {
    enforceBuildableLibDependency: true,
    banTransitiveDependencies: true,
    allow: [],
    depConstraints: [...typeConstraints.map(withHelpers), ...scopeConstraints],
  };
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/coverage', '**/.nx', '**/tmp'] },
  {
    files: ['**/*.ts'],
    ignores: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ inTests: false })] },
  },
  {
    // The test helpers' secondary entry points (`@linebacker/domain/testing`,
    // `@linebacker/testing/jest`) belong to a tagged project but are not its production API.
    // libs/testing is test helpers throughout.
    files: ['**/*.ts'],
    ignores: [...TEST_FILES, 'libs/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: TESTING_ENTRY_POINTS, message: 'Test helpers: specs only.' }] },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ inTests: true })] },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.workspace.json', tsconfigRootDir: import.meta.dirname },
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
