import baseConfig from '../../eslint.config.mjs';

// The root config turns no-console off for `tools/**`, but its globs resolve against this
// directory when Nx lints from here; a command-line tool prints its report.
export default [...baseConfig, { files: ['**/*.ts'], rules: { 'no-console': 'off' } }];
