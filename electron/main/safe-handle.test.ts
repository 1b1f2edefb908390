import { describe, expect, it } from 'vitest';
import { isTrustedSender, type SenderLike } from './safe-handle';

function event(opts: { id?: number; url?: string; sub?: boolean; noFrame?: boolean }): SenderLike {
  const mainFrame = { url: opts.url ?? 'app://keyholder/index.html', parent: null };
  const frame = opts.noFrame ? null : opts.sub ? { url: mainFrame.url, parent: mainFrame } : mainFrame;
  return { sender: { id: opts.id ?? 1, mainFrame }, senderFrame: frame };
}

describe('isTrustedSender', () => {
  const win = { id: 1 };
  it('accepts the app window top frame on app://keyholder', () => {
    expect(isTrustedSender(event({}), win)).toBe(true);
  });
  it('refuses another webContents', () => {
    expect(isTrustedSender(event({ id: 2 }), win)).toBe(false);
  });
  it('refuses when there is no app window', () => {
    expect(isTrustedSender(event({}), null)).toBe(false);
  });
  it('refuses a subframe, even of the app origin', () => {
    expect(isTrustedSender(event({ sub: true }), win)).toBe(false);
  });
  it('refuses a destroyed frame', () => {
    expect(isTrustedSender(event({ noFrame: true }), win)).toBe(false);
  });
  it('refuses other origins and look-alikes', () => {
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://keyholder.evil/', 'app://evil/keyholder', 'not a url']) {
      expect(isTrustedSender(event({ url }), win), url).toBe(false);
    }
  });
});
