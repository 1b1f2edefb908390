/**
 * `npm run icons`: every icon size the installers and the tray need, rendered
 * from the one drawing in assets/icon.svg (never drawn by hand per size):
 * PNGs 16-1024 px (Linux, tray), ICO (Windows), ICNS (macOS), and a manifest
 * recording the SVG's hash and the generator's versions, so icons.test.ts can
 * tell when the committed files no longer match the drawing.
 *
 * sharp (libvips) rasterises; png-to-ico and @fiahfy/icns only pack the PNGs
 * rendered here into their containers (neither resamples them).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import pngToIco from 'png-to-ico';
import { Icns, IcnsImage } from '@fiahfy/icns';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SOURCE = 'assets/icon.svg';
export const SCRIPT = 'electron/release/icons.ts';
export const OUT = 'assets/icons';
export const MANIFEST = `${OUT}/manifest.json`;

/** Linux (electron-builder reads a folder of NxN.png), the tray (16 and 32 for 2x screens) and the containers' sources. */
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
/** Windows Explorer picks from these; 256 is the largest an ICO holds. */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
/** Apple's icon types: the PNG-bearing ones from 16 px to 512@2x. */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
] as const;

export const pngPath = (size: number) => `${OUT}/png/${size}x${size}.png`;
export const ICO = `${OUT}/icon.ico`;
export const ICNS = `${OUT}/icon.icns`;

export interface IconManifest {
  source: string;
  sourceSha256: string;
  generator: { script: string; scriptSha256: string; libraries: Record<string, string> };
  files: Record<string, string>;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The versions whose change may change a pixel or a byte: a new one means re-running `npm run icons`. */
export function generatorLibraries(): Record<string, string> {
  // Read from the installed packages (sharp's exports hide its package.json from require.resolve).
  const version = (name: string) => (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return { sharp: version('sharp'), libvips: sharp.versions.vips, 'png-to-ico': version('png-to-ico'), '@fiahfy/icns': version('@fiahfy/icns') };
}

/** One size from the drawing: rendered at that size (density scaled), not downscaled from a large bitmap. */
export async function renderPng(svg: Buffer, size: number): Promise<Buffer> {
  return sharp(svg, { density: (72 * size) / 1024 })
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
}

export async function buildIcons(svg: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const pngs = new Map<number, Buffer>();
  for (const size of PNG_SIZES) {
    const png = await renderPng(svg, size);
    pngs.set(size, png);
    out.set(pngPath(size), png);
  }
  out.set(ICO, await pngToIco(ICO_SIZES.map((s) => pngs.get(s)!)));
  const icns = new Icns();
  for (const [type, size] of ICNS_TYPES) icns.append(IcnsImage.fromPNG(pngs.get(size)!, type));
  out.set(ICNS, icns.data);
  return out;
}

export function manifestFor(svg: Buffer, script: Buffer, files: Map<string, Buffer>): IconManifest {
  return {
    source: SOURCE,
    sourceSha256: sha256(svg),
    generator: { script: SCRIPT, scriptSha256: sha256(script), libraries: generatorLibraries() },
    files: Object.fromEntries([...files].map(([name, data]) => [name, sha256(data)]).sort(([a], [b]) => a!.localeCompare(b!))),
  };
}

async function main(): Promise<void> {
  const svg = readFileSync(path.join(ROOT, SOURCE));
  const files = await buildIcons(svg);
  for (const [name, data] of files) {
    mkdirSync(path.dirname(path.join(ROOT, name)), { recursive: true });
    writeFileSync(path.join(ROOT, name), data);
  }
  const manifest = manifestFor(svg, readFileSync(path.join(ROOT, SCRIPT)), files);
  writeFileSync(path.join(ROOT, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`${files.size} icon files written under ${OUT}/ from ${SOURCE}`);
}

const invoked = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--help')) {
    console.log(`Usage: npm run icons\n\nRenders ${SOURCE} into every icon size under ${OUT}/ (PNG 16-1024, ICO, ICNS) and writes ${MANIFEST}.\nRun it after changing the drawing and commit the result; icons.test.ts fails until you do.\nExit status: 0 written, 1 failed.`);
  } else {
    main().catch((e: unknown) => {
      console.error(`icons: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
  }
}
