module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/libs/persistence',
  // Integration suites wait on real locks, timeouts and child processes.
  testTimeout: 30_000,
};
