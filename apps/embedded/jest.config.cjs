// PGlite loads Node built-ins with import(), which Jest's module VM allows only under
// --experimental-vm-modules: the test target in project.json sets it in NODE_OPTIONS.
module.exports = {
  displayName: 'embedded',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/embedded',
  // PGlite.create() unpacks and boots a whole database: seconds on a busy machine.
  testTimeout: 30_000,
};
