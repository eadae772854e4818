import { expect, test } from './fixtures';
import { bytes, hydrated, loginCitizen } from './helpers';

test('«Мои клиенты»: the people one acts for, found by name, with what they owe, and «Перейти» acts for one', async ({ page }) => {
  await loginCitizen(page);
  await hydrated(page);
  // The demo citizen is a trusted person for a relative.
  const option = page.locator('#acting option', { hasText: 'Доверенное лицо' });
  const relative = ((await option.textContent()) ?? '').split(' — ')[0].trim();
  expect(relative).not.toBe('');

  await page.getByRole('link', { name: 'Мои клиенты' }).click();
  await expect(page.getByRole('heading', { name: 'Мои клиенты', level: 1 })).toBeVisible();
  await hydrated(page);
  const rows = page.locator('#clients-table tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(relative);
  await expect(rows.first().locator('td[data-label="Ваша роль"]')).toHaveText('Доверенное лицо');
  await expect(rows.first().locator('td[data-label="Просрочено"]')).toContainText('₽');

  // A search in lower case finds the client; another finds nobody; both stay in the address.
  await page.getByLabel('Поиск').fill(relative.split(' ')[0].toLowerCase());
  await page.getByRole('button', { name: 'Найти' }).click();
  await expect(page).toHaveURL(/search=/);
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Поиск').fill('Несуществующий');
  await page.getByRole('button', { name: 'Найти' }).click();
  await expect(page.getByText('Клиентов не найдено.')).toBeVisible();
  await page.goto('/clients');
  await hydrated(page);

  // Every client's debts on one page, the sum over all of them, and the same list as XLSX.
  await page.getByRole('link', { name: 'Задолженности всех клиентов' }).click();
  await expect(page.getByRole('heading', { name: 'Задолженности всех клиентов', level: 1 })).toBeVisible();
  await hydrated(page);
  const debts = page.locator('#client-debts-table tbody tr');
  // The only client is the relative: whatever debts there are are hers (the demo gives her none).
  await expect(page.locator('#debts-total')).toContainText('Всего задолженностей');
  await expect(debts.filter({ hasNotText: relative })).toHaveCount(0);
  await page.getByLabel('Только с просроченной задолженностью').check();
  await page.getByRole('button', { name: 'Найти' }).click();
  await expect(page).toHaveURL(/overdue=1/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Скачать XLSX' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^zadolzhennosti-klientov-\d{4}-\d{2}-\d{2}\.xlsx$/);
  expect(download.url()).toContain('overdue=1');
  expect((await bytes(download)).subarray(0, 2).toString('latin1')).toBe('PK');

  await page.goto('/clients');
  await hydrated(page);
  await page.getByRole('button', { name: `Перейти к клиенту ${relative}` }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('#acting option:checked')).toContainText(relative);
});
