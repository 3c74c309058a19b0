module.exports = {
  displayName: 'deploy',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/deploy',
  // The PM2 suite runs a whole stack of processes: nothing else should compete for the CPU.
  maxWorkers: 1,
};
