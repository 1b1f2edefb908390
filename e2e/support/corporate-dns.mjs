/**
 * Test-only, loaded with `node --import` into a workstation process: the
 * organisation's DNS for its private cloud. The rehearsal cloud's vaults live
 * at *.vault.rehearsal.localhost, which Node does not resolve by itself on
 * every machine; a corporate network's DNS resolves its private cloud's names
 * the same way. Nothing in the app is changed: its clients use Node's own
 * lookup, as on a workstation.
 */
import dns from 'node:dns';

const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' || options === undefined ? {} : typeof options === 'number' ? { family: options } : options;
  const h = String(hostname).toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) {
    process.nextTick(() => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    return {};
  }
  return original.call(dns, hostname, options, callback);
};
