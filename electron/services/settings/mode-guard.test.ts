import { describe, expect, it } from 'vitest';
import { refuseRehearsalArtifactInLive } from './mode-guard';

describe('a live ceremony refuses rehearsal artifacts', () => {
  it('refuses a rehearsal-marked file in live mode only', () => {
    expect(() => refuseRehearsalArtifactInLive('live', { file: 'copy.khcopy', rehearsal: true })).toThrow(/made in a rehearsal/);
    expect(() => refuseRehearsalArtifactInLive('live', { file: 'copy.khcopy', rehearsal: false })).not.toThrow();
    expect(() => refuseRehearsalArtifactInLive('rehearsal', { file: 'copy.khcopy', rehearsal: true })).not.toThrow();
  });
});
