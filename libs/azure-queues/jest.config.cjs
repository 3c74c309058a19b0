module.exports = {
  displayName: 'azure-queues',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/azure-queues',
};
