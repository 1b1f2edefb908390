/**
 * The source of /__bridge/client.js: the page-side half of the test bridge.
 * It builds `window.keyholder` with exactly the preload's shape (one function
 * per contract channel, grouped by domain, plus `on`) and forwards calls over
 * same-origin fetch, so the renderer's CSP (`script-src 'self'; connect-src
 * 'self'`) holds unchanged. The per-run token comes from a <meta> tag in the
 * bridge's copy of index.html, never from this script: a script can be
 * included cross-origin, an HTML page cannot be read cross-origin.
 */
import { channelNames, eventNames } from '../../shared/ipc/contract';

export const TOKEN_HEADER = 'x-keyholder-bridge-token';
export const TOKEN_META = 'keyholder-bridge-token';

export function bridgeClientSource(): string {
  return `(() => {
  'use strict';
  const CHANNELS = ${JSON.stringify(channelNames)};
  const EVENTS = ${JSON.stringify(eventNames)};
  const meta = document.querySelector('meta[name="${TOKEN_META}"]');
  const token = meta ? meta.getAttribute('content') : '';
  const headers = { 'content-type': 'application/json', '${TOKEN_HEADER}': token };
  const unavailable = (message) => ({ ok: false, error: { code: 'ipc.unavailable', message } });

  async function invoke(name, request) {
    let res;
    try {
      res = await fetch('/__bridge/call/' + encodeURIComponent(name), { method: 'POST', headers, body: JSON.stringify(request === undefined ? {} : request) });
    } catch (e) {
      return unavailable('Key Holder’s background service is not reachable. Restart the app.');
    }
    if (!res.ok) return unavailable('Key Holder’s background service refused the call (' + res.status + '). Restart the app.');
    return res.json();
  }

  const listeners = new Map();
  let streaming = false;
  function deliver(msg) {
    const set = listeners.get(msg.event);
    if (!set) return;
    for (const fn of Array.from(set)) {
      try { fn(msg.payload); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }
  async function stream() {
    if (streaming) return;
    streaming = true;
    try {
      const res = await fetch('/__bridge/events', { headers: { '${TOKEN_HEADER}': token, accept: 'text/event-stream' } });
      if (!res.ok || !res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\\n\\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\\n');
          if (data) deliver(JSON.parse(data));
        }
      }
    } catch (e) {
      /* the bridge went away (restart); the page is reloaded by the test */
    } finally {
      streaming = false;
    }
  }

  const api = {};
  for (const name of CHANNELS) {
    const i = name.indexOf(':');
    const domain = name.slice(0, i);
    const verb = name.slice(i + 1);
    api[domain] = api[domain] || {};
    api[domain][verb] = (request) => invoke(name, request);
  }
  api.on = (event, listener) => {
    if (!EVENTS.includes(event)) throw new Error('Unknown event ' + event);
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(listener);
    void stream();
    return () => { const s = listeners.get(event); if (s) s.delete(listener); };
  };
  for (const k of Object.keys(api)) if (typeof api[k] === 'object') Object.freeze(api[k]);
  Object.defineProperty(window, 'keyholder', { value: Object.freeze(api), writable: false, configurable: false, enumerable: true });
})();
`;
}
