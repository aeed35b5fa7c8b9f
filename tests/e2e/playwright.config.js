// Playwright against the real Tandem server (demo mode, fresh database, fixed "today") in Debian's
// Chromium. The demo page is served from 127.0.0.1 and the widget from localhost: two origins, so the
// iframe is really cross-origin.
const { defineConfig } = require('@playwright/test');
const os = require('node:os');
const path = require('node:path');

const PORT = Number(process.env.TANDEM_E2E_PORT || 8099);
const dataDir = path.join(os.tmpdir(), `tandem-e2e-${process.pid}-${Date.now()}`);
const root = path.resolve(__dirname, '..', '..');

module.exports = defineConfig({
  testDir: './specs',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    },
  },
  webServer: {
    command: `${path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'debug', 'tandem-server')} --demo --pack ${path.join(root, "packs", "fjordpay")} --support-hours always --bind 127.0.0.1:${PORT} --data-dir ${dataDir} --today 2026-11-25 --assets-dir ${path.join(root, 'dist')} --demo-dir ${path.join(root, 'demo')} --rate-limit-scale 10`,
    url: `http://127.0.0.1:${PORT}/v1/merchants/nordic-outdoor/config`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
