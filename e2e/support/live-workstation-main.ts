/**
 * Test-only: a workstation in a Node process of its own, composed as Electron
 * main composes it (workstation.json, policy file, per-mode data folders), for
 * the live-mode spec. Its parent starts it with NODE_EXTRA_CA_CERTS (the
 * rehearsal CA trusted as a corporate root) and corporate-dns.mjs; nothing
 * else is injected. The "system browser" is the parent's: sign-in URLs are
 * sent to it over the IPC channel.
 */
import { startBridge } from '../bridge/server';

const input = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; policyFile?: string };
const send = (m: unknown) => process.send?.(m);

const bridge = await startBridge({
  dataDir: input.dataDir,
  workstation: { ...(input.policyFile ? { policyFile: input.policyFile } : {}), env: {} },
  deps: {
    openBrowser: async (url) => void send({ type: 'open', url }),
    // A live workstation uses production KDF costs: live mode refuses anything cheaper.
    connectionTestSignInTimeoutMs: 60_000,
  },
});
send({ type: 'ready', url: bridge.url });
process.on('message', (m: { type: string; id?: number; name?: string; request?: unknown }) => {
  if (m.type === 'call') void bridge.call(m.name as never, m.request as never).then((r) => send({ type: 'result', id: m.id, result: r }));
  if (m.type === 'close') void bridge.close().then(() => process.exit(0));
});
