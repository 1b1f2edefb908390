/**
 * Reading a PDF the app printed, as a key holder would see it: its text line
 * by line with where each line ends on the page (pdfjs-dist), and a page
 * rendered to PNG to look at. Test-only.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api';

export interface PdfLine {
  page: number;
  text: string;
  /** Left and right ends of the line's text, in PDF points from the page's left edge. */
  left: number;
  right: number;
  pageWidth: number;
}

type TextRun = TextItem;

/** The text of every page, grouped into lines by baseline and read left to right. */
export async function pdfLines(bytes: Uint8Array): Promise<PdfLine[]> {
  const doc = await getDocument({ data: bytes.slice(), useSystemFonts: false }).promise;
  const lines: PdfLine[] = [];
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const pageWidth = page.getViewport({ scale: 1 }).width;
      const runs = (await page.getTextContent()).items.filter((i): i is TextRun => 'str' in i && i.str.length > 0);
      const byBaseline = new Map<number, TextRun[]>();
      for (const r of runs) {
        const y = Math.round(r.transform[5]!);
        byBaseline.set(y, [...(byBaseline.get(y) ?? []), r]);
      }
      for (const y of [...byBaseline.keys()].sort((a, b) => b - a)) {
        const row = byBaseline.get(y)!.sort((a, b) => a.transform[4]! - b.transform[4]!);
        // Runs on one baseline can belong to different table cells: a gap wider than a few spaces starts a new line.
        let cell: TextRun[] = [];
        const flush = () => {
          if (!cell.length) return;
          const text = cell.map((r) => r.str).join('').replace(/\s+/g, ' ').trim();
          if (text) lines.push({ page: n, text, left: cell[0]!.transform[4]!, right: Math.max(...cell.map((r) => r.transform[4]! + r.width)), pageWidth });
          cell = [];
        };
        for (const r of row) {
          const prev = cell.at(-1);
          if (prev && r.transform[4]! - (prev.transform[4]! + prev.width) > 12) flush();
          cell.push(r);
        }
        flush();
      }
    }
  } finally {
    await doc.destroy();
  }
  return lines;
}

/** One page rendered to PNG at the given scale (pdfjs' own Node canvas). */
export async function pdfPagePng(bytes: Uint8Array, pageNumber: number, scale = 1.5): Promise<Buffer> {
  const doc = await getDocument({ data: bytes.slice() }).promise;
  try {
    const page = await doc.getPage(pageNumber);
    const viewport = page.getViewport({ scale });
    // In Node, pdfjs draws on its own canvas (@napi-rs/canvas, its optional dependency); the factory's type is not published.
    const factory = doc.canvasFactory as { create(w: number, h: number): { canvas: { toBuffer(type: 'image/png'): Buffer }; context: CanvasRenderingContext2D } };
    const { canvas, context } = factory.create(viewport.width, viewport.height);
    await page.render({ canvas: canvas as unknown as HTMLCanvasElement, canvasContext: context, viewport }).promise;
    return canvas.toBuffer('image/png');
  } finally {
    await doc.destroy();
  }
}
