module.exports = {
  displayName: 'interface-receiver',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/interface-receiver',
};
