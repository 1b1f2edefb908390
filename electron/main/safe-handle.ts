/**
 * The sender check every IPC invoke passes before it reaches dispatch: only the
 * app's own window, its top-level frame, showing a page of our app:// origin.
 * A subframe, another window, or a page that somehow navigated elsewhere gets
 * a refusal value, never a handler call.
 */
import type { WebContents } from 'electron';
import type { IpcResult } from '../../shared/ipc/define';

export const APP_ORIGIN = 'app://keyholder';

export interface SenderLike {
  sender: Pick<WebContents, 'id'> & { mainFrame: unknown };
  senderFrame: { url: string; parent: unknown } | null;
}

export function isTrustedSender(event: SenderLike, expected: { id: number } | null): boolean {
  if (!expected || event.sender.id !== expected.id) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || frame !== event.sender.mainFrame) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return `${url.protocol}//${url.host}` === APP_ORIGIN;
}

export const forbiddenSender: IpcResult<never> = {
  ok: false,
  error: { code: 'ipc.forbidden_sender', message: 'This request did not come from Key Holder’s own window and was refused.' },
};
