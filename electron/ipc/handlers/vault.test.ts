/**
 * The Import screen proposes the workstation's own holder: after a worksheet
 * where holder 2's line 1 copied holder 1's, holder 1's workstation must not
 * preselect key holder 2.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createServices } from '../../services/index';
import { vaultHandlers } from './vault';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { emptyHolder } from '../../../shared/worksheet/model';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function workstation() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-vault-h-'));
  dirs.push(dataDir);
  return createServices({ dataDir, secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {} , escrowKdf: TEST_KDF });
}

const line = (host: string) => ({ ...emptyHolder(), vaultHost: host, clientId: crypto.randomUUID(), tenantId: crypto.randomUUID(), keyName: 'cmk' });

describe('vault:state', () => {
  it('preselects the holder whose client secret this workstation keeps, not the other column', async () => {
    const s = workstation();
    const mine = { ...line('holder1-keys.vault.azure.net'), keyIdentifier: `https://holder1-keys.vault.azure.net/keys/cmk/${'a'.repeat(32)}` };
    await s.worksheet.save({ holder1: { ...mine, secret: { action: 'set', value: 'holder-one-secret~1' } }, holder2: { ...line('holder1-keys.vault.azure.net'), secret: { action: 'keep' } } });
    const st = await vaultHandlers(s)['vault:state']({});
    expect(st.suggested.holder).toBe(1);
    expect(st.suggested.vaultUrl).toBe('https://holder1-keys.vault.azure.net');
  });

  it('follows the control plane enrolment when connected', async () => {
    const s = workstation();
    await s.worksheet.save({ holder1: { ...line('holder1-keys.vault.azure.net'), secret: { action: 'keep' } }, holder2: { ...line('holder2-keys.vault.azure.net'), secret: { action: 'keep' } } });
    Object.assign(s.controlPlane, { view: () => ({ connected: true, holder: 2 }) });
    expect((await vaultHandlers(s)['vault:state']({})).suggested).toMatchObject({ holder: 2, vaultUrl: 'https://holder2-keys.vault.azure.net' });
  });
});
