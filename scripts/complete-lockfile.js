#!/usr/bin/env node
/**
 * The registry mirror this project is built against serves only some of the
 * per-platform binaries of `unrs-resolver` (a Jest dependency), so `npm
 * install` writes a lockfile without the others and `npm ci` then refuses
 * it as out of sync. This restores the missing entries (optional, platform-
 * bound, never installed off their platform). Run after `npm install`:
 * `node scripts/complete-lockfile.js`.
 */
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const resolver = lock.packages['node_modules/unrs-resolver'];
if (!resolver) process.exit(0);

const platform = (name) => {
  const [os, cpu, abi] = name.split('-');
  const libc =
    abi === 'gnu' || abi === 'gnueabihf' ? 'glibc' : abi === 'musl' || abi === 'musleabihf' ? 'musl' : null;
  return { os, cpu, libc };
};

const packages = {};
for (const [key, value] of Object.entries(lock.packages)) packages[key] = value;
for (const [dep, version] of Object.entries(resolver.optionalDependencies ?? {})) {
  const key = `node_modules/${dep}`;
  if (packages[key]) continue;
  const { os, cpu, libc } = platform(dep.replace('@unrs/resolver-binding-', ''));
  packages[key] = {
    version,
    cpu: [cpu],
    dev: true,
    ...(libc ? { libc: [libc] } : {}),
    license: 'MIT',
    optional: true,
    os: [os],
  };
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
