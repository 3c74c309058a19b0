module.exports = {
  displayName: 'sim-backup-job-service',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/sim-backup-job-service',
};
