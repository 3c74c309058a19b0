module.exports = {
  displayName: 'simulators',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/simulators',
};
