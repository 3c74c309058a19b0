module.exports = {
  displayName: 'rabbitmq-cluster',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/rabbitmq-cluster',
};
