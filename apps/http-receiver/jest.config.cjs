module.exports = {
  displayName: 'http-receiver',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/http-receiver',
};
