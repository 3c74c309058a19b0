module.exports = {
  displayName: 'chaos',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/chaos',
  // A chaos run is a whole stack of processes plus a private broker and database.
  maxWorkers: 1,
};
