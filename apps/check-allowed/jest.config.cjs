module.exports = {
  displayName: 'check-allowed',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/check-allowed',
};
