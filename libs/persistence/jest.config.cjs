module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/persistence',
  // Integration suites wait on real locks, timeouts and child processes.
  testTimeout: 30_000,
};
