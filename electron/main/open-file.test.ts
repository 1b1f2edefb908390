import { describe, expect, it } from 'vitest';
import { escrowFileFromArgv, isEscrowFileName } from './open-file';

describe('escrow file from the command line', () => {
  it('finds the file Windows or Linux passes after the executable', () => {
    expect(escrowFileFromArgv(['C:\\Program Files\\Key Holder\\Key Holder.exe', 'D:\\ceremony\\escrow-2of3.khescrow'], 'C:\\')).toContain('escrow-2of3.khescrow');
    expect(escrowFileFromArgv(['/opt/Key Holder/keyholder', '/home/h/ceremony/escrow.KHESCROW'], '/')).toBe('/home/h/ceremony/escrow.KHESCROW');
  });

  it('resolves a relative path against the launcher’s directory (second-instance passes it)', () => {
    expect(escrowFileFromArgv(['keyholder', 'escrow.khescrow'], '/home/h/ceremony')).toBe('/home/h/ceremony/escrow.khescrow');
  });

  it('in development skips the app folder and Chromium’s switches', () => {
    expect(escrowFileFromArgv(['/x/electron', '.', '--no-sandbox', '--allow-file-access-from-files', 'a.khescrow'], '/w')).toBe('/w/a.khescrow');
  });

  it('never takes a switch, the executable itself, or another kind of file', () => {
    expect(escrowFileFromArgv(['/x/electron', '--tray'], '/')).toBeNull();
    expect(escrowFileFromArgv(['/x/evil.khescrow'], '/')).toBeNull();
    expect(escrowFileFromArgv(['/x/app', '--user-data-dir=/tmp/x.khescrow'], '/')).toBeNull();
    expect(escrowFileFromArgv(['/x/app', 'notes.txt', 'escrow.khescrow.txt'], '/')).toBeNull();
    expect(escrowFileFromArgv(['/x/app', '.khescrow'], '/')).toBeNull();
  });

  it('knows an escrow file name', () => {
    expect(isEscrowFileName('holder-1-ab12.khescrow')).toBe(true);
    expect(isEscrowFileName('holder.pem')).toBe(false);
  });
});
