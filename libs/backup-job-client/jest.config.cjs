module.exports = {
  displayName: 'backup-job-client',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/backup-job-client',
};
