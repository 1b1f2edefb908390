/** Test helpers: cheap keys and re-checksummed tampering (a deliberate attacker fixes the checksum). */
import crypto from 'node:crypto';

export const PASS = ['violet-anchor-tundra-mosaic-lantern', 'copper-whisper-glacier-orbit-meadow', 'saffron-quiver-basalt-harbor-ember', 'lilac-torrent-fossil-kettle-prism', 'onyx-meridian-clover-sprocket-dune'];

/** Recomputes the trailing SHA-256 so tampering reaches the ciphers instead of the checksum. */
export function fixChecksum(bytes: Uint8Array): Uint8Array {
  const body = bytes.subarray(0, bytes.length - 32);
  return new Uint8Array(Buffer.concat([body, crypto.createHash('sha256').update(body).digest()]));
}

/** Rewrites the header JSON with `edit`, keeping the container valid (lengths and checksum). */
export function editHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const b = Buffer.from(bytes);
  const hLen = b.readUInt32BE(10);
  const header = JSON.parse(b.subarray(14, 14 + hLen).toString('utf8')) as Record<string, unknown>;
  edit(header);
  const h = Buffer.from(JSON.stringify(header));
  const rest = b.subarray(14 + hLen, b.length - 32);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  return fixChecksum(new Uint8Array(Buffer.concat([b.subarray(0, 10), len, h, rest, Buffer.alloc(32)])));
}

export function editBody(bytes: Uint8Array, edit: (b: { keys: { privateKey: string; wraps: string[] }[] }) => void): Uint8Array {
  const b = Buffer.from(bytes);
  const hLen = b.readUInt32BE(10);
  const bLen = b.readUInt32BE(14 + hLen);
  const body = JSON.parse(b.subarray(18 + hLen, 18 + hLen + bLen).toString('utf8'));
  edit(body);
  const nb = Buffer.from(JSON.stringify(body));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(nb.length);
  return fixChecksum(new Uint8Array(Buffer.concat([b.subarray(0, 14 + hLen), len, nb, Buffer.alloc(32)])));
}
