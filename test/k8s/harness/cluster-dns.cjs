/**
 * Cluster DNS for processes the test pod runner starts (loaded with NODE_OPTIONS=--require). Names under
 * `.svc.cluster.local` are answered from the JSON file SKYROCKET_TEST_DNS_FILE, which the runner rewrites as pods
 * and Services change (name → IPs, as CoreDNS answers for headless Services and per-pod names); every other name
 * goes to the real resolver. Only `dns.lookup` and `dns.promises.lookup` are covered: what Skyrocket's `dns:`
 * address lists and its clients use.
 *
 * It also ends the process once the test process that started it (SKYROCKET_TEST_PARENT_PID) is gone, so a killed
 * test run leaves no broker or NameServer behind.
 */
'use strict';
const dns = require('node:dns');
const fs = require('node:fs');

const file = process.env.SKYROCKET_TEST_DNS_FILE;
const SUFFIX = '.svc.cluster.local';

function answer(hostname) {
  if (!file || typeof hostname !== 'string' || !hostname.endsWith(SUFFIX)) return undefined;
  let table = {};
  try {
    table = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    table = {};
  }
  return table[hostname] ?? [];
}

function notFound(hostname) {
  const error = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  error.code = 'ENOTFOUND';
  error.hostname = hostname;
  return error;
}

const realLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const ips = answer(hostname);
  if (ips === undefined) return realLookup.apply(this, arguments);
  const cb = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all === true;
  process.nextTick(() => {
    if (ips.length === 0) return cb(notFound(hostname));
    if (all)
      return cb(
        null,
        ips.map((address) => ({ address, family: 4 })),
      );
    return cb(null, ips[0], 4);
  });
  return {};
};

const realPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  const ips = answer(hostname);
  if (ips === undefined) return realPromiseLookup.call(this, hostname, options);
  if (ips.length === 0) throw notFound(hostname);
  const all = typeof options === 'object' && options !== null && options.all === true;
  return all ? ips.map((address) => ({ address, family: 4 })) : { address: ips[0], family: 4 };
};

const parent = Number(process.env.SKYROCKET_TEST_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(1);
    }
  }, 1000).unref();
}
