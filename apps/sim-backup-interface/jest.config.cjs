module.exports = {
  displayName: 'sim-backup-interface',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/sim-backup-interface',
};
