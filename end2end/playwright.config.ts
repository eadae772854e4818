import { defineConfig } from '@playwright/test';

// The release server on a fresh SQLite database in demo mode, driven by Debian's Chromium.
const port = Number(process.env.E2E_PORT ?? 3100);
const server = process.env.KABINET_SERVER ?? `${process.env.HOME}/.cache/kabinet-target/release/server`;

export default defineConfig({
  testDir: './tests',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { javaScriptEnabled: true } }],
  webServer: {
    command: `rm -rf target/e2e && mkdir -p target/e2e && exec "${server}"`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      KABINET_MODE: 'demo',
      LEPTOS_ENV: 'PROD',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: 'sqlite://target/e2e/e2e.db',
      RUST_LOG: 'warn',
    },
  },
});
