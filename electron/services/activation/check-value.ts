/**
 * Component check value, in the spirit of a KCV: six hex characters derived
 * from a component so its custodian can confirm "this is mine" without it
 * being shown. HMAC keyed by the component over a fixed label, truncated to
 * 24 bits: too short to help anyone guess the component, long enough that
 * two different components almost never collide (and a collision only
 * refuses a component, it never accepts a wrong one).
 */
import { createHmac } from 'node:crypto';

const LABEL = 'keyholder component check value v1';

export function componentCheckValue(component: Uint8Array): string {
  const mac = createHmac('sha256', component).update(LABEL).digest();
  const cv = mac.subarray(0, 3).toString('hex').toUpperCase();
  mac.fill(0);
  return cv;
}

/** "A1B2C3" -> "A1B 2C3", the way it is shown and read aloud. */
export function formatCheckValue(cv: string): string {
  return cv.replace(/^(.{3})(.{3})$/, '$1 $2');
}
