import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { rmSync, mkdirSync } from 'node:fs';
import { hydrated, loginCitizen, loginStaff, serverUp, staffAnswers, startServer, stopServer } from './helpers';

// Its own server (two ports after the main one), stopped and started again during the test on
// the same database, as a deploy or a crash would do.
const port = Number(process.env.E2E_PORT ?? 3100) + 2;
const base = `http://127.0.0.1:${port}`;
const dir = 'target/e2e-restart';
const start = () => startServer(port, `sqlite://${dir}/e2e.db`);

test.use({ baseURL: base });

test('after the server restarts the page reconnects by itself and follows changes again', async ({ browser }) => {
  test.setTimeout(120_000);
  rmSync(`../${dir}`, { recursive: true, force: true });
  mkdirSync(`../${dir}`, { recursive: true });
  let server = start();
  try {
    await serverUp(base);
    const page: Page = await (await browser.newContext({ baseURL: base })).newPage();
    await loginCitizen(page);
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

    await stopServer(server);
    await expect(indicator).toHaveText('Нет связи', { timeout: 15_000 });
    server = start();
    await serverUp(base);
    await expect(indicator).toHaveText('На связи', { timeout: 40_000 });

    const staff = await (await browser.newContext({ baseURL: base })).newPage();
    await loginStaff(staff);
    await staff.goto(`/staff/requests/${id}`);
    await hydrated(staff);
    await staffAnswers(staff, 'clarification', 'Ответ после перезапуска');
    await expect(page.locator('#request-status')).toContainText('Требуется уточнение', { timeout: 2_000 });
    await expect(page.locator('#thread')).toContainText('Ответ после перезапуска');
    expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  } finally {
    await stopServer(server);
  }
});
