/**
 * The tray icon: the app icon with the expiry state as a coloured dot in its
 * lower-right corner, so the tray says both "Key Holder" and how urgent
 * things are. Pure pixel work on a BGRA bitmap (what Electron's nativeImage
 * gives and takes), so it is tested without Electron.
 */
export type Rgb = readonly [number, number, number];

/** Dot radius and white outline width as fractions of the icon's size: readable at 16 px, not hiding the key. */
const DOT_RADIUS = 0.21;
const OUTLINE = 0.065;
/** Sub-samples per pixel side for smooth edges. */
const SAMPLES = 4;

/**
 * Returns a copy of `bitmap` (BGRA, `size` x `size`) with a dot of `colour`
 * ringed in white in its lower-right corner. A missing or wrong-sized
 * bitmap (icon file absent) gives the dot alone, on transparent.
 */
export function withStateDot(bitmap: Buffer | null, size: number, colour: Rgb): Buffer {
  const usable = bitmap !== null && bitmap.length === size * size * 4;
  const out = usable ? Buffer.from(bitmap) : Buffer.alloc(size * size * 4);
  const r = usable ? DOT_RADIUS * size : size / 2 - OUTLINE * size;
  const ring = OUTLINE * size;
  const c = size - (r + ring);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let inDot = 0;
      let inRing = 0;
      for (let sy = 0; sy < SAMPLES; sy++)
        for (let sx = 0; sx < SAMPLES; sx++) {
          const d = Math.hypot(x + (sx + 0.5) / SAMPLES - c, y + (sy + 0.5) / SAMPLES - c);
          if (d <= r) inDot++;
          else if (d <= r + ring) inRing++;
        }
      const n = SAMPLES * SAMPLES;
      const a = inDot / n;
      const w = inRing / n;
      if (a + w === 0) continue;
      const i = (y * size + x) * 4;
      const under = 1 - a - w;
      // Blend over what is there (straight alpha): dot colour, white ring, then the icon.
      const blend = (channel: number, dotValue: number) => Math.round(dotValue * a + 255 * w + out[i + channel]! * under);
      out[i] = blend(0, colour[2]);
      out[i + 1] = blend(1, colour[1]);
      out[i + 2] = blend(2, colour[0]);
      out[i + 3] = Math.round(255 * (a + w) + out[i + 3]! * under);
    }
  return out;
}
