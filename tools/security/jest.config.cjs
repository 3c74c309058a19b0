module.exports = {
  displayName: 'security',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/security',
  // The suites provision users on the shared broker and one runs a whole stack of processes.
  maxWorkers: 1,
};
