import { expect, test } from './fixtures';
import { bytes, hydrated, login, loginCitizen, newCitizen } from './helpers';

test('«История всех операций»: who did what on the policyholder’s behalf, filtered in the URL, and the same selection as XLSX', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await loginCitizen(page);
  const broker = await newCitizen(page.request);
  const name = 'Журналов Яков Ильич';

  // Something to find: access granted, then accepted by the broker from his own cabinet.
  await page.goto('/proxies');
  await hydrated(page);
  await page.getByLabel('ФИО получателя').fill(name);
  await page.getByLabel('СНИЛС или ИНН получателя').fill(broker.inn);
  await page.getByLabel('Электронная почта или телефон получателя').fill(broker.email);
  await page.getByLabel('Агент / брокер').check();
  await page.getByLabel('Основание', { exact: true }).fill('Агентский договор № 31 от 01.12.2026');
  await page.getByRole('button', { name: 'Выдать доступ' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Приглашение отправлено' })).toBeVisible();
  const other = await (await browser.newContext()).newPage();
  await login(other, broker.email);
  // Signed in before going on: a navigation started earlier would cancel the login.
  await expect(other).toHaveURL(/\/$/);
  await other.goto('/proxies');
  await hydrated(other);
  await other.getByRole('button', { name: /^Принять доступ к/ }).click();
  await expect(other.getByRole('heading', { name: 'Вам выдан доступ' })).toHaveCount(0);
  await other.context().close();

  await page.getByRole('link', { name: 'История операций' }).click();
  await expect(page.getByRole('heading', { name: 'История всех операций', level: 1 })).toBeVisible();
  await hydrated(page);
  const rows = page.locator('#history-table tbody tr');
  const accepted = rows.filter({ hasText: 'Выданный доступ принят' });
  await expect(accepted).toHaveCount(1);
  await expect(accepted).toContainText('Иванов Иван Петрович (Агент / брокер)');
  await expect(accepted.getByRole('link', { name: 'Выданный доступ принят' })).toHaveAttribute('href', '/proxies');
  await expect(rows.filter({ hasText: 'Выдан доступ к кабинету страхователя' })).toContainText(`${name}: Агент / брокер`);

  // Filters go into the address and narrow the rows; a word is found in any case.
  await page.getByLabel('Операции').selectOption({ label: 'Доступ и доверенности' });
  await page.getByLabel('Поиск').fill('журналов');
  await page.getByRole('button', { name: 'Показать' }).click();
  await expect(page).toHaveURL(/kind=authority/);
  await expect(page).toHaveURL(/search=/);
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('Выдан доступ к кабинету страхователя');
  await expect(page.getByLabel('Поиск')).toHaveValue('журналов');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Скачать XLSX' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^istoriya-\d{4}-\d{2}-\d{2}\.xlsx$/);
  expect(download.url()).toContain('kind=authority');
  expect((await bytes(download)).subarray(0, 2).toString('latin1')).toBe('PK');

  // A bad date in the address is named, not a crash.
  await page.goto('/history?from=2026-13-45');
  await expect(page.getByRole('alert').first()).toContainText('Дата');
});
