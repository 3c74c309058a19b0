module.exports = {
  displayName: 'messaging-bench',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/messaging-bench',
};
