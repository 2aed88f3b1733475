#!/usr/bin/env node
/**
 * The `switchyard` executable (package.json `bin`): runs {@link runCli} on the process's arguments.
 *
 * @module
 */
import { runCli } from './cli.js';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
