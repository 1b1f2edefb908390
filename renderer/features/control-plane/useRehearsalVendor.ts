import { useEffect, useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';

export type VendorValues = Extract<ResponseOf<'rehearsal-vendor:values'>, { available: true }>;

/**
 * In rehearsal the app plays the vendor: what the vendor would send this
 * holder. Null in live mode (the Node side answers `available: false`) or
 * while loading; a failure only leaves the panel out, the screen works on.
 */
export function useRehearsalVendor(): VendorValues | null {
  const [values, setValues] = useState<VendorValues | null>(null);
  useEffect(() => {
    let alive = true;
    call('rehearsal-vendor:values', {}).then(
      (v) => {
        if (alive) setValues(v.available ? v : null);
      },
      () => {
        if (alive) setValues(null);
      },
    );
    return () => {
      alive = false;
    };
  }, []);
  return values;
}
