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
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { screenshot: 'only-on-failure', trace: 'off' },
});
