module.exports = {
  displayName: 'messaging',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/messaging',
  // Integration suites close every broker connection and restart the broker app: run test
  // files one at a time so they never disturb each other.
  maxWorkers: 1,
};
