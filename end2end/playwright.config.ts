import { defineConfig } from '@playwright/test';

// The release server on a fresh SQLite database in demo mode, driven by Debian's Chromium.
const port = Number(process.env.E2E_PORT ?? 3100);
export const idlePort = port + 1;
const binary = process.env.KABINET_SERVER ?? `${process.env.HOME}/.cache/kabinet-target/release/server`;

function server(p: number, name: string, extra: Record<string, string>) {
  return {
    command: `rm -rf target/e2e-${name} && mkdir -p target/e2e-${name} && exec "${binary}"`,
    cwd: '..',
    url: `http://127.0.0.1:${p}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      KABINET_MODE: 'demo',
      LEPTOS_ENV: 'PROD',
      LEPTOS_SITE_ADDR: `127.0.0.1:${p}`,
      DATABASE_URL: `sqlite://target/e2e-${name}/e2e.db`,
      RUST_LOG: 'warn',
      // The sandbox acquirer answers quickly in tests.
      SANDBOX_DELAY_MS: '300',
      // The «no answer» test card gives up after this long (60 s by default).
      SANDBOX_TIMEOUT_SECONDS: '4',
      // Every browser test registers from 127.0.0.1: the suite makes more than the default 20
      // attempts an hour, and each one counts (tests/registration.spec.ts checks the limit).
      REGISTRATIONS_PER_IP_HOUR: '500',
      // Likewise the browsers' error reports: a report refused for the limit would make a test
      // that provokes one on purpose miss it (global-teardown.ts fails the run on any kept one).
      CLIENT_ERRORS_PER_IP_HOUR: '1000',
      ...extra,
    },
  };
}

export default defineConfig({
  testDir: './tests',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  // No retries: a test that fails once is a defect with a cause (scripts/soak.sh N runs the suite
  // N times to find them).
  retries: 0,
  reporter: [['list']],
  // Fails the run if any browser reported an error to a server (see global-teardown.ts).
  globalTeardown: './global-teardown.ts',
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
  webServer: [
    server(port, 'main', {}),
    // A second server whose sessions time out after 62 seconds, for the idle-timeout journey.
    server(idlePort, 'idle', { IDLE_TIMEOUT_SECONDS: '62' }),
  ],
});
