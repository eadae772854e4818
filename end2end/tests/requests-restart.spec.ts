import { test, expect, Page } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { hydrated, login, loginStaff } from './helpers';

// Its own server (two ports after the main one), stopped and started again during the test on
// the same database, as a deploy or a crash would do.
const port = Number(process.env.E2E_PORT ?? 3100) + 2;
const base = `http://127.0.0.1:${port}`;
const binary = process.env.KABINET_SERVER ?? `${process.env.HOME}/.cache/kabinet-target/release/server`;
const dir = 'target/e2e-restart';

function start(): ChildProcess {
  return spawn(binary, [], {
    cwd: '..',
    stdio: 'ignore',
    env: {
      ...process.env,
      KABINET_MODE: 'demo',
      LEPTOS_ENV: 'PROD',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: `sqlite://${dir}/e2e.db`,
      RUST_LOG: 'warn',
    },
  });
}

async function up() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the server did not start');
}

async function stop(p: ChildProcess) {
  if (p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

test.use({ baseURL: base });

test('after the server restarts the page reconnects by itself and follows changes again', async ({ browser }) => {
  test.setTimeout(120_000);
  rmSync(`../${dir}`, { recursive: true, force: true });
  mkdirSync(`../${dir}`, { recursive: true });
  let server = start();
  try {
    await up();
    const page: Page = await (await browser.newContext({ baseURL: base })).newPage();
    await login(page, 'demo@example.ru');
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/policies');
    const policy = await page.locator('tbody tr a').first().getAttribute('href');
    await page.goto(`${policy}/request`);
    await hydrated(page);
    await page.getByLabel('Справка').check();
    await page.getByLabel('Описание').fill('Справка для проверки переподключения');
    await page.getByRole('button', { name: 'Далее: проверить' }).click();
    await page.getByRole('button', { name: 'Отправить' }).click();
    await expect(page).toHaveURL(/\/requests\/[0-9a-f]{32}\?created=1$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await hydrated(page);
    const indicator = page.locator('.live-status');
    await expect(indicator).toHaveText('На связи');
    await page.evaluate(() => ((window as any).__noReload = true));

    await stop(server);
    await expect(indicator).toHaveText('Нет связи', { timeout: 15_000 });
    server = start();
    await up();
    await expect(indicator).toHaveText('На связи', { timeout: 40_000 });

    const staff = await (await browser.newContext({ baseURL: base })).newPage();
    await loginStaff(staff);
    await staff.goto(`/staff/requests/${id}`);
    await hydrated(staff);
    await staff.getByLabel('Новый статус').selectOption('clarification');
    await staff.getByLabel('Комментарий').fill('Ответ после перезапуска');
    await staff.getByRole('button', { name: 'Отправить ответ' }).click();
    await expect(staff.getByText('Ответ отправлен.')).toBeVisible();
    await expect(page.locator('#request-status')).toContainText('Требуется уточнение', { timeout: 2_000 });
    await expect(page.locator('#thread')).toContainText('Ответ после перезапуска');
    expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  } finally {
    await stop(server);
  }
});
