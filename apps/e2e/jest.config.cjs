module.exports = {
  displayName: 'e2e',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/e2e',
  // Each suite runs a whole stack of processes: two at once would starve both of CPU.
  maxWorkers: 1,
};
