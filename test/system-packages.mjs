#!/usr/bin/env node
// Run by `npm test` before the tests: two tests need Debian packages, Chromium (the demo page and the
// report, test/browser.test.ts) and Fashion-MNIST (test/mnist.test.ts). As root on Debian, and unless
// MNIST_WASM_NO_APT=1, this installs the missing ones with apt-get, so a fresh machine runs every
// test; anywhere else those tests are skipped and this prints one line that says what to install.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// Each package, where it puts what the tests read (the tests skip when that path is missing), and
// which tests need it.
const SYSTEM_PACKAGES = [
  { name: 'chromium', path: '/usr/bin/chromium', tests: 'the browser tests' },
  { name: 'dataset-fashion-mnist', path: '/usr/share/datasets/fashion-mnist', tests: 'the Fashion-MNIST test' },
];
const missing = SYSTEM_PACKAGES.filter(({ path }) => !existsSync(path));
const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && process.env.MNIST_WASM_NO_APT !== '1';

if (missing.length > 0 && canInstall) {
  const names = missing.map(({ name }) => name);
  console.log(`Installing ${names.join(' and ')} from Debian's packages for the browser and Fashion-MNIST tests (MNIST_WASM_NO_APT=1 skips this)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...names], { stdio: ['ignore', 'ignore', 'inherit'], env });
}
const still = SYSTEM_PACKAGES.filter(({ path }) => !existsSync(path));
if (still.length > 0) {
  console.log(`Skipping ${still.map(({ tests }) => tests).join(' and ')}: install ${still.map(({ name }) => name).join(' and ')} (apt-get install ${still.map(({ name }) => name).join(' ')}) to run them`);
}
