module.exports = {
  displayName: 'receive-status',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/receive-status',
};
