// Preload for tests (`node --require`): when the process exits, writes the path of every
// module it loaded, one per line, to the file RECORD_LOADED_MODULES_FILE names. It changes
// nothing else, so the process under test runs as it would in production.
'use strict';
const { writeFileSync } = require('node:fs');

const file = process.env.RECORD_LOADED_MODULES_FILE;
if (file) process.on('exit', () => writeFileSync(file, Object.keys(require.cache).join('\n')));
