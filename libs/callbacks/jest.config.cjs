module.exports = {
  displayName: 'callbacks',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/callbacks',
};
