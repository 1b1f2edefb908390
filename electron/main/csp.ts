/**
 * The renderer declares its Content-Security-Policy in a <meta> of index.html
 * (so it holds however the page is loaded). Main, and the test bridge, also
 * send it as a response header with what a <meta> cannot carry
 * (frame-ancestors). One source: the built index.html.
 */
export function headerCspFromIndexHtml(indexHtml: string): string {
  const m = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(indexHtml);
  if (!m?.[1]) throw new Error('index.html declares no Content-Security-Policy');
  const meta = m[1].trim().replace(/;\s*$/, '');
  if (/unsafe-eval|unsafe-inline|https?:|\*/.test(meta)) throw new Error(`index.html's CSP allows more than the app's own origin: ${meta}`);
  return `${meta}; frame-ancestors 'none'`;
}
