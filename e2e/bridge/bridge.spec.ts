/** The bridge itself: same shape as preload, token and host guarded, events delivered, restart keeps data. */
import { test, expect } from '../support/fixtures';
import { channelNames, eventNames } from '../../shared/ipc/contract';
import { TOKEN_HEADER } from './client';

test('window.keyholder has exactly the contract and answers through the services', async ({ page, bridge }) => {
  await expect(page.getByTestId('rehearsal-banner')).toBeVisible();
  const shape = await page.evaluate(() => {
    const k = window.keyholder as unknown as Record<string, unknown>;
    const out: string[] = [];
    for (const [d, g] of Object.entries(k)) {
      if (typeof g === 'function') out.push(d);
      else for (const v of Object.keys(g as object)) out.push(`${d}:${v}`);
    }
    return out.sort();
  });
  expect(shape).toEqual([...channelNames, 'on'].sort());
  const info = await page.evaluate(() => window.keyholder.app.info({}));
  expect(info).toMatchObject({ ok: true, value: { name: 'Key Holder', environment: { mode: 'rehearsal' } } });
  const bad = await page.evaluate(() => (window.keyholder.app.info as (r: unknown) => Promise<unknown>)({ extra: 1 }));
  expect(bad).toMatchObject({ ok: false, error: { code: 'ipc.bad_request' } });
  expect(eventNames.length).toBeGreaterThan(0);
  await bridge.screenshot('home');
  expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('calls without the token, with a wrong token, or via another host name are refused', async ({ bridge }) => {
  const url = `${bridge.url}__bridge/call/app:info`;
  const none = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(none.status).toBe(403);
  const wrong = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: 'x'.repeat(43) }, body: '{}' });
  expect(wrong.status).toBe(403);
  const events = await fetch(`${bridge.url}__bridge/events`);
  expect(events.status).toBe(403);
  const good = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: bridge.current.token }, body: '{}' });
  expect(good.status).toBe(200);
  expect(await good.json()).toMatchObject({ ok: true });
  const foreignOrigin = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: bridge.current.token, origin: 'http://evil.example' },
    body: '{}',
  });
  expect(foreignOrigin.status).toBe(403);
  const rebound = await fetch(`http://localhost:${bridge.current.port}/`);
  expect(rebound.status).toBe(421);
});

test('index is served with the CSP header and the token only in the bridge copy', async ({ bridge }) => {
  const res = await fetch(bridge.url);
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(res.headers.get('content-security-policy')).not.toContain('unsafe-eval');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  const html = await res.text();
  expect(html).toContain(bridge.current.token);
  expect(html).toContain('/__bridge/client.js');
  const traversal = await fetch(`${bridge.url}..%2F..%2Fpackage.json`);
  expect(traversal.status).toBe(404);
});

test('events reach page listeners; restart keeps the data folder and issues a new token', async ({ page, bridge }) => {
  await page.evaluate(() => {
    (window as unknown as { got: unknown[] }).got = [];
    window.keyholder.on('app:changed', (p) => (window as unknown as { got: unknown[] }).got.push(p));
  });
  await expect.poll(async () => {
    bridge.current.services.deps.emit('app:changed', { topic: 'test' });
    return page.evaluate(() => (window as unknown as { got: unknown[] }).got.length);
  }).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { got: unknown[] }).got[0])).toEqual({ topic: 'test' });
  const before = { token: bridge.current.token, dir: bridge.dataDir };
  await bridge.restart();
  expect(bridge.current.token).not.toBe(before.token);
  expect(bridge.current.dataDir).toBe(before.dir);
  await expect(page.getByTestId('rehearsal-banner')).toBeVisible();
});

test('a reminder click (app:show from main) brings the named screen forward, and unknown screens are ignored', async ({ page, bridge }) => {
  await expect(page.getByTestId('rehearsal-banner')).toBeVisible();
  const expiryNav = page.getByRole('navigation', { name: 'Ceremony steps' }).getByRole('button', { name: 'Expiry dates' });
  await expect(expiryNav).not.toHaveAttribute('aria-current', 'page');
  bridge.current.services.deps.emit('app:show', { screen: 'no-such-screen', item: null });
  await expect.poll(async () => {
    bridge.current.services.deps.emit('app:show', { screen: 'expiry', item: null });
    return expiryNav.getAttribute('aria-current');
  }).toBe('page');
});
