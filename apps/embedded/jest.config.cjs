// PGlite loads Node built-ins with import(), which Jest's module VM allows only under
// --experimental-vm-modules: the test target in project.json sets it in NODE_OPTIONS.
module.exports = {
  displayName: 'embedded',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/apps/embedded',
};
