/**
 * The bridge's PDF renderer: the same self-contained HTML main gives to
 * Electron's printToPDF, printed by a headless Chromium (Playwright's
 * page.pdf). The browser starts on first use and closes with the bridge.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';

export function headlessPdf(): { fromHtml(html: string): Promise<Uint8Array>; close(): Promise<void> } {
  let browser: Promise<Browser> | null = null;
  return {
    async fromHtml(html) {
      browser ??= launchChromium({ headless: true });
      const b = await browser;
      const page = await b.newPage({ javaScriptEnabled: false });
      try {
        await page.setContent(html, { waitUntil: 'load' });
        return new Uint8Array(await page.pdf({ format: 'A4', printBackground: true, margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' } }));
      } finally {
        await page.close();
      }
    },
    async close() {
      if (browser) await (await browser).close();
      browser = null;
    },
  };
}
