#!/usr/bin/env node
// Runs every test file under test/ (or those named on the command line) with Node's test runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(directory) {
  const files = [];
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) files.push(...find(path));
    else if (entry.endsWith('.test.ts')) files.push(path);
  }
  return files.sort();
}

const files = process.argv.length > 2 ? process.argv.slice(2) : find('test');
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
