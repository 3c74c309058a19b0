module.exports = {
  displayName: 'http-api',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/http-api',
};
