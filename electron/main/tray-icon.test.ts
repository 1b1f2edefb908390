import { describe, expect, it } from 'vitest';
import { withStateDot } from './tray-icon';

const px = (b: Buffer, size: number, x: number, y: number) => {
  const i = (y * size + x) * 4;
  return { r: b[i + 2], g: b[i + 1], b: b[i], a: b[i + 3] };
};

function solidIcon(size: number): Buffer {
  const b = Buffer.alloc(size * size * 4);
  for (let i = 0; i < b.length; i += 4) b.set([77, 44, 17, 255], i); // BGRA of #112c4d, the tile
  return b;
}

describe('tray icon', () => {
  for (const size of [16, 32]) {
    it(`${size} px: the state colour sits in the lower-right corner and the icon stays elsewhere`, () => {
      const icon = solidIcon(size);
      const out = withStateDot(icon, size, [180, 35, 24]);
      const c = Math.round(size * 0.72);
      expect(px(out, size, c, c)).toEqual({ r: 180, g: 35, b: 24, a: 255 });
      expect(px(out, size, 1, 1)).toEqual({ r: 17, g: 44, b: 77, a: 255 });
      expect(px(out, size, size - 2, 1)).toEqual({ r: 17, g: 44, b: 77, a: 255 });
      // The input bitmap is left as it was (the next state is drawn on a fresh copy).
      expect(icon.equals(solidIcon(size))).toBe(true);
    });
  }

  it('each state gives a different picture', () => {
    const colours: [number, number, number][] = [[47, 133, 90], [31, 111, 235], [181, 137, 0], [180, 35, 24], [122, 9, 22]];
    const pictures = new Set(colours.map((c) => withStateDot(solidIcon(16), 16, c).toString('hex')));
    expect(pictures.size).toBe(colours.length);
  });

  it('a white ring separates the dot from a dark icon', () => {
    const out = withStateDot(solidIcon(32), 32, [122, 9, 22]);
    // Walk from the dot's centre to the upper left: some pixel on the way is (nearly) white.
    const c = Math.round(32 * 0.72);
    const path = Array.from({ length: 12 }, (_, k) => px(out, 32, c - k, c - k));
    expect(path.some((p) => p.r! > 230 && p.g! > 230 && p.b! > 230)).toBe(true);
  });

  it('without an icon bitmap (file missing) it still shows the state, as a dot alone', () => {
    const out = withStateDot(null, 16, [47, 133, 90]);
    expect(px(out, 16, 8, 8)).toEqual({ r: 47, g: 133, b: 90, a: 255 });
    expect(px(out, 16, 0, 0).a).toBe(0);
  });
});
