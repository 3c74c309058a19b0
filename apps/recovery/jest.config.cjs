module.exports = {
  displayName: 'recovery',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/recovery',
};
