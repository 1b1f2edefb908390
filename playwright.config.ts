import { defineConfig } from '@playwright/test';

// Browser tests run in a system Chromium (Electron's own binary cannot be
// downloaded on CI); see e2e/support/chromium.ts for how one is found.
export default defineConfig({
  testDir: 'e2e',
  testMatch: ['specs/**/*.spec.ts', 'electron/**/*.spec.ts', 'bridge/**/*.spec.ts'],
  globalSetup: './e2e/support/global-setup.ts',
  outputDir: 'test-results/artifacts',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  // Spec files run two at a time; the tests of one file stay in order in one worker. Every test has its own data
  // folder, bridge port and rehearsal cloud (e2e/support/fixtures.ts), and screenshot names start with the spec's
  // name, so two files never share state (docs/testing.md).
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: { screenshot: 'only-on-failure', trace: 'off' },
});
