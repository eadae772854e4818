import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { ChildProcess, execFileSync } from 'node:child_process';
import { hydrated, loginCitizen, loginStaff, moscowInput, serverUp, staffAnswers, startServer, stopServer } from './helpers';

// How the cabinet scales out: two server processes (three and four ports after the main one) on
// one PostgreSQL database of this test's own. A session made on one is good on the other (the
// cookie names no port), a change made on one reaches a browser watching the other (NOTIFY), and
// the jobs both run send a reminder once, not twice.
const ports = [3, 4].map((n) => Number(process.env.E2E_PORT ?? 3100) + n);
const bases = ports.map((p) => `http://127.0.0.1:${p}`);
const admin = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `kabinet_e2e_scale_${process.pid}_${Date.now()}`;
const url = admin.replace(/\/[^/]*$/, `/${database}`);

function psql(sql: string) {
  execFileSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
}

/** The subjects and texts of the messages to `recipient` in the demo outbox (one table, so
 * either server shows them all). */
async function messagesTo(page: Page, recipient: string): Promise<string[]> {
  const html = await (await page.request.get(`${bases[0]}/dev/outbox`)).text();
  return html.split('<article class="message" ').filter((m) => m.startsWith(`data-recipient="${recipient}"`));
}

test('two servers on one PostgreSQL: a session of one works on the other, live changes cross, a reminder goes once', async ({ browser }) => {
  test.setTimeout(180_000);
  psql(`CREATE DATABASE "${database}"`);
  const servers: ChildProcess[] = [];
  try {
    // One after the other: the first migrates and loads the demo data, the second finds them.
    // Both look for due reminders every second: a reminder sent twice would show.
    for (const [i, port] of ports.entries()) {
      servers.push(startServer(port, url, { JOB_TICK_SECONDS: '1' }));
      expect(await serverUp(bases[i])).toContain('"database":"postgres"');
    }

    // Logged in on the first...
    const page = await (await browser.newContext({ baseURL: bases[0] })).newPage();
    const me = await loginCitizen(page);
    // ...the citizen works on the second.
    await page.goto(`${bases[1]}/policies`);
    await expect(page.getByRole('heading', { level: 1, name: 'Полисы' })).toBeVisible();
    const policy = await page.locator('tbody tr a').first().getAttribute('href');
    await page.goto(`${bases[1]}${policy}/request`);
    await hydrated(page);
    await page.getByLabel('Справка').check();
    await page.getByLabel('Описание').fill('Справка для проверки двух серверов');
    await page.getByRole('button', { name: 'Далее: проверить' }).click();
    await page.getByRole('button', { name: 'Отправить' }).click();
    await expect(page).toHaveURL(new RegExp(`^${bases[1]}/requests/[0-9a-f]{32}\\?created=1$`));
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await hydrated(page);
    await expect(page.locator('.live-status')).toHaveText('На связи');

    // Staff answer on the first; the citizen's page on the second shows it at once.
    const staff = await (await browser.newContext({ baseURL: bases[0] })).newPage();
    await loginStaff(staff);
    await staff.goto(`/staff/requests/${id}`);
    await hydrated(staff);
    await staffAnswers(staff, 'clarification', 'Ответ с другого сервера');
    await expect(page.locator('#request-status')).toContainText('Требуется уточнение', { timeout: 3_000 });
    await expect(page.locator('#thread')).toContainText('Ответ с другого сервера');

    // A reminder set on the second, a minute ahead, while both servers' jobs look every second.
    await page.goto(`${bases[1]}/contributions`);
    await hydrated(page);
    const sheet = await page.locator('tbody td[data-label="Дата начисления"] a').first().getAttribute('href');
    await page.goto(`${bases[1]}${sheet}`);
    await hydrated(page);
    const when = moscowInput(1);
    await page.getByLabel('Дата и время напоминания').fill(when);
    await page.getByRole('button', { name: 'Установить напоминание' }).click();
    await expect(page.getByText('Напоминание установлено')).toBeVisible();
    const shown = `${when.slice(8, 10)}.${when.slice(5, 7)}.${when.slice(0, 4)} ${when.slice(11, 16)}`;
    await expect(page.getByText(`${shown} — отправлено`)).toBeVisible({ timeout: 100_000 });
    const reminders = async () => (await messagesTo(page, me.email)).filter((m) => m.includes('Напоминание: взнос от')).length;
    expect(await reminders()).toBe(1);
    // Sent once, and not again: each server has looked a few more times since (a tick is a
    // second), and the claim that marks it sent lets only one of them send it.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await reminders(), 'one e-mail for the reminder').toBe(1);
    }
    await page.goto(`${bases[0]}/notices`);
    await hydrated(page);
    await expect(page.locator('.notice', { hasText: 'Напоминание: взнос от' })).toHaveCount(1);
    await page.context().close();
    await staff.context().close();
  } finally {
    for (const s of servers) await stopServer(s);
    psql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
});
