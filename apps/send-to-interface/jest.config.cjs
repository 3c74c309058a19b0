module.exports = {
  displayName: 'send-to-interface',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/send-to-interface',
};
