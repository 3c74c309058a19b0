#!/usr/bin/env node
import { buildCli } from './cli';

const cli = buildCli(
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  process.env,
);
cli.run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`linebacker: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
