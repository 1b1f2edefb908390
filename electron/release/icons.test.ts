/**
 * The committed icons are what `npm run icons` makes from assets/icon.svg
 * today: the manifest's hashes match the drawing, the generator and its
 * libraries; every file matches its recorded hash; and sizes re-rendered here
 * match the committed pixels (the check that does not trust the manifest).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Icns } from '@fiahfy/icns';
import { describe, expect, it } from 'vitest';
import { generatorLibraries, ICNS, ICNS_TYPES, ICO, ICO_SIZES, MANIFEST, PNG_SIZES, pngPath, renderPng, ROOT, SCRIPT, SOURCE, type IconManifest } from './icons';

const read = (rel: string) => readFileSync(path.join(ROOT, rel));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const manifest = JSON.parse(read(MANIFEST).toString('utf8')) as IconManifest;
const stale = 'assets/icons are out of date: run `npm run icons` and commit the result';

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('app icons', () => {
  it('were generated from the current drawing, by the current script and libraries', () => {
    expect(manifest.source, stale).toBe(SOURCE);
    expect(manifest.sourceSha256, stale).toBe(sha256(read(SOURCE)));
    expect(manifest.generator.scriptSha256, stale).toBe(sha256(read(SCRIPT)));
    expect(manifest.generator.libraries, stale).toEqual(generatorLibraries());
  });

  it('are all there and unchanged since they were generated', () => {
    const expected = [...PNG_SIZES.map(pngPath), ICO, ICNS].sort();
    expect(Object.keys(manifest.files).sort()).toEqual(expected);
    for (const [file, hash] of Object.entries(manifest.files)) expect(sha256(read(file)), `${file}: ${stale}`).toBe(hash);
  });

  for (const size of [16, 256, 1024]) {
    it(`${size} px re-rendered from the SVG matches the committed PNG`, async () => {
      const committed = await pixels(read(pngPath(size)));
      const fresh = await pixels(await renderPng(read(SOURCE), size));
      expect([committed.width, committed.height]).toEqual([size, size]);
      let worst = 0;
      for (let i = 0; i < fresh.data.length; i++) worst = Math.max(worst, Math.abs(fresh.data[i]! - committed.data[i]!));
      // A libvips build on another OS may round an edge pixel differently; a changed drawing moves far more.
      expect(worst, stale).toBeLessThanOrEqual(3);
    });
  }

  it('each PNG has its size, and the drawing is not blank at 16 px', async () => {
    for (const size of PNG_SIZES) {
      const meta = await sharp(read(pngPath(size))).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([size, size, 'png']);
    }
    const tiny = await pixels(read(pngPath(16)));
    const colours = new Set<string>();
    for (let i = 0; i < tiny.data.length; i += 4) if (tiny.data[i + 3]! > 200) colours.add(tiny.data.subarray(i, i + 3).toString('hex'));
    expect(colours.size).toBeGreaterThan(20);
  });

  it('the ICO holds every Windows size', () => {
    const ico = read(ICO);
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, ICO_SIZES.length]);
    const widths = ICO_SIZES.map((_, k) => ico.readUInt8(6 + 16 * k) || 256);
    expect(widths).toEqual([...ICO_SIZES]);
  });

  it('the ICNS holds every macOS type, each a PNG of the right size', async () => {
    const icns = Icns.from(read(ICNS));
    const found: [string, number][] = [];
    for (const image of icns.images) found.push([image.osType, (await sharp(image.image).metadata()).width!]);
    expect(found).toEqual(ICNS_TYPES.map(([t, s]) => [t, s]));
  });
});
