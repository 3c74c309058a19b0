module.exports = {
  displayName: 'security',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/tools/security',
  // The suites provision users on the shared broker and one runs a whole stack of processes.
  maxWorkers: 1,
};
