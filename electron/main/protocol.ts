/**
 * Serves the built renderer from app://keyholder/ instead of file://, so the
 * page has a real origin (CSP 'self' means something, and no file:// page
 * can read the disk). Paths are confined to the renderer folder.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Maps an app:// URL to a file under rendererDir, or null when it would escape it. */
export function resolveAppUrl(rendererDir: string, requestUrl: string): string | null {
  const url = new URL(requestUrl);
  if (url.host !== 'keyholder') return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, '.' + path.posix.normalize(pathname));
  return file.startsWith(root + path.sep) ? file : null;
}

export async function serveApp(rendererDir: string, request: Request, csp: string): Promise<Response> {
  const file = resolveAppUrl(rendererDir, request.url);
  if (!file) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(file);
    const headers: Record<string, string> = {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
    };
    if (file.endsWith('.html')) headers['content-security-policy'] = csp;
    return new Response(body, { status: 200, headers });
  } catch {
    return new Response('not found', { status: 404 });
  }
}
