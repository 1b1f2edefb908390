/**
 * Rehearsal only: the app plays the vendor. `values` is what the vendor would
 * send this key holder (control plane address, sealing-key fingerprint,
 * enrolment token) and the rehearsal tenant's values the worksheet needs (the
 * rehearsal app's client ID and secret); `approve-registration` approves this
 * workstation's pending vault registration as the vendor. In live mode
 * `values` answers `{ available: false }` and nothing else, and approving is
 * refused: a live workstation has no vendor to play.
 */
import { z } from 'zod';
import { channel, empty } from '../define';
import { controlPlaneViewSchema } from './control-plane';

const rehearsalVendorValuesSchema = z.discriminatedUnion('available', [
  z.object({ available: z.literal(false) }).strict(),
  z
    .object({
      available: z.literal(true),
      holder: z.union([z.literal(1), z.literal(2)]),
      controlPlane: z.object({ baseUrl: z.string(), fingerprint: z.string(), enrolmentToken: z.string(), environmentId: z.string() }),
      worksheet: z.object({ vaultHost: z.string().nullable(), tenantId: z.string(), clientId: z.string().nullable(), clientSecret: z.string().nullable() }),
    })
    .strict(),
]);

export const rehearsalVendorChannels = {
  'rehearsal-vendor:values': channel(empty, rehearsalVendorValuesSchema),
  'rehearsal-vendor:approve-registration': channel(empty, controlPlaneViewSchema),
};
