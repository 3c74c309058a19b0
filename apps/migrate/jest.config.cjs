module.exports = {
  displayName: 'migrate',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/migrate',
};
