module.exports = {
  displayName: 'notifier',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/notifier',
};
