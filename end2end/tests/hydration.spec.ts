import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, login, loginCitizen, loginStaff } from './helpers';

/** Console errors and uncaught exceptions of a page (a hydration mismatch shows as one). */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text().slice(0, 200));
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message.slice(0, 200)}`));
  return errors;
}

// A mismatch between the server's HTML and the first render in the browser can depend on timing,
// so every page is loaded several times.
test('every page hydrates without an error, again and again', async ({ page }) => {
  test.setTimeout(150_000);
  const errors = watch(page);
  await loginCitizen(page);
  await page.goto('/contributions');
  const sheet = await page.locator('tbody td[data-label="Дата начисления"] a').first().getAttribute('href');
  const policy = await (async () => {
    await page.goto('/policies');
    return page.locator('tbody tr a').first().getAttribute('href');
  })();
  for (const path of ['/', '/policies', policy!, '/contributions', sheet!, '/charges', '/notices', '/profile', '/security', '/debts', '/pay?all=1', '/documents', '/requests', `${policy}/request`, '/reports', '/reports/new/works', '/deadlines', '/history', '/proxies', '/clients', '/clients/debts']) {
    for (let i = 0; i < 3; i++) {
      await page.goto(path);
      await hydrated(page);
      await page.waitForTimeout(250);
    }
  }
  expect(errors).toEqual([]);
});

test('the staff area and the guest pages hydrate without an error', async ({ page }) => {
  const errors = watch(page);
  for (const path of ['/login', '/register', '/recover', '/recover/manual', '/recover/manual/status',
    '/recover/manual/status?number=%D0%92%D0%94-2026-000000&contact=nobody%40example.ru',
    '/recover/manual/password?token=0000']) {
    await page.goto(path);
    await hydrated(page);
  }
  await loginStaff(page);
  for (let i = 0; i < 3; i++) {
    for (const path of ['/staff', '/staff/requests', '/staff/reports']) {
      await page.goto(path);
      await hydrated(page);
      await page.waitForTimeout(250);
    }
  }
  expect(errors).toEqual([]);
});
