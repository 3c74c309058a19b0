module.exports = {
  displayName: 'messaging',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/libs/messaging',
  // Integration suites close every broker connection and restart the broker app: run test
  // files one at a time so they never disturb each other.
  maxWorkers: 1,
};
