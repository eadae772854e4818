import { expect, test } from './fixtures';
import { loginCitizen } from './helpers';

// A date or page out of range in a list's address (`+262142-12-31` once overflowed the server's
// date arithmetic and dropped the connection) is dropped from the filter and named above the list.
test('a list with an impossible date or page in its address says so and shows the rest', async ({ page }) => {
  await loginCitizen(page);

  const res = await page.goto('/requests?to=%2B262142-12-31&page=99999999999');
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'История запросов', level: 1 })).toBeVisible();
  const problems = page.locator('.query-problems');
  await expect(problems).toContainText('Дата «по»: можно указать дату только с 01.01.1900 по 31.12.2100');
  await expect(problems).toContainText('Номер страницы: укажите целое число от 1 до 100000');

  await page.goto('/contributions?from=1899-12-31&page=0');
  await expect(page.getByRole('heading', { name: 'Взносы', level: 1 })).toBeVisible();
  await expect(page.locator('.query-problems')).toContainText('Дата «с»: можно указать дату только с 01.01.1900 по 31.12.2100');
  await expect(page.locator('tbody tr').first()).toBeVisible();

  const download = await page.request.get('/contributions/export.xlsx?to=%2B262142-12-31');
  expect(download.status()).toBe(400);
  expect(await download.text()).toBe('Дата «по»: можно указать дату только с 01.01.1900 по 31.12.2100');

  await page.goto('/contributions');
  await expect(page.locator('.query-problems')).toHaveCount(0);
});
