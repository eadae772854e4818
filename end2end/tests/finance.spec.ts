import { expect, test } from './fixtures';
import { hydrated, login, loginCitizen } from './helpers';

test('contributions: filter by period and programme in the URL, reload keeps it, a row opens its sheet', async ({ page }) => {
  await loginCitizen(page);
  await page.getByRole('link', { name: 'Взносы' }).click();
  await expect(page.getByRole('heading', { name: 'Взносы', level: 1 })).toBeVisible();
  await expect(page.locator('tbody tr').first()).toBeVisible();
  await expect(page.getByText(/Строки 1–50 из \d+/)).toBeVisible();

  const year = new Date().getFullYear();
  await page.getByRole('link', { name: 'Этот год' }).click();
  await expect(page).toHaveURL(new RegExp(`from=${year}-01-01&to=${year}-12-31`));
  await expect(page.locator('tbody td[data-label="Дата начисления"]').filter({ hasNotText: `.${year}` })).toHaveCount(0);
  for (const cell of await page.locator('tbody td[data-label="Дата начисления"]').allTextContents()) {
    expect(cell).toContain(`.${year}`);
  }

  await page.getByLabel('Страхование имущества').check();
  await page.getByRole('button', { name: 'Применить' }).click();
  await expect(page).toHaveURL(/programme=IMU/);
  await expect(page.locator('tbody td[data-label="Программа"]').filter({ hasNotText: /^Страхование имущества$/ })).toHaveCount(0);
  const programmes = await page.locator('tbody td[data-label="Программа"]').allTextContents();
  expect(programmes.length).toBeGreaterThan(0);
  expect(new Set(programmes)).toEqual(new Set(['Страхование имущества']));
  const rowsBefore = await page.locator('tbody tr').count();

  await page.reload();
  await hydrated(page);
  await expect(page).toHaveURL(/programme=IMU/);
  await expect(page.getByLabel('Страхование имущества')).toBeChecked();
  await expect(page.locator('tbody tr')).toHaveCount(rowsBefore);

  await page.getByRole('link', { name: 'Размер взноса' }).click();
  await expect(page).toHaveURL(/sort=amount/);

  const first = page.locator('tbody td[data-label="Дата начисления"] a').first();
  await first.click();
  await expect(page.getByRole('heading', { name: /^Взнос за \d\d\.\d{4}$/ })).toBeVisible();
  await expect(page.getByText('Назначение платежа')).toBeVisible();
  await expect(page.getByText('КБК')).toBeVisible();
  const sheetUrl = page.url();
  await page.getByRole('link', { name: '← Взносы' }).click();
  await expect(page).toHaveURL(/\/contributions\?.*programme=IMU/);

  // A page past the last (an old link) says so and leads to the last page.
  await page.goto('/contributions?programme=IMU&page=99');
  await hydrated(page);
  await expect(page.locator('.pager-info')).toHaveText(/^Страницы 99 нет: строк \d+, страниц \d+$/);
  const pages = (await page.locator('.pager-info').innerText()).match(/страниц (\d+)/)![1];
  await page.getByRole('link', { name: '‹ К последней странице' }).click();
  await expect(page).toHaveURL(pages === '1' ? /\/contributions\?programme=IMU$/ : new RegExp(`page=${pages}`));
  await expect(page.locator('.pager-page')).toHaveText(`Страница ${pages} из ${pages}`);
  await expect(page.locator('tbody tr').first()).toBeVisible();

  // Another user cannot open this contribution by its address.
  const other = await page.context().browser()!.newPage();
  await login(other, 'rep@example.ru');
  await expect(other).toHaveURL(/\/$/);
  const response = await other.goto(new URL(sheetUrl).pathname);
  expect(response!.status()).toBe(404);
  await expect(other.getByRole('heading', { name: 'Взнос не найден' })).toBeVisible();
});

test('charges: balance at the top and a status filter applied with «Применить»', async ({ page }) => {
  await loginCitizen(page);
  await page.goto('/charges');
  await hydrated(page);
  await expect(page.getByText('К оплате')).toBeVisible();
  await page.getByLabel('Не оплачено').check();
  await page.getByRole('button', { name: 'Применить' }).click();
  await expect(page).toHaveURL(/status=unpaid/);
  // The table keeps the old rows while the new ones load: wait until only unpaid ones are left.
  const statuses = page.locator('tbody td[data-label="Статус оплаты"]');
  await expect(statuses.filter({ hasNotText: /^Не оплачено$/ })).toHaveCount(0);
  await expect(statuses.first()).toHaveText('Не оплачено');
});

test('«Скачать XLSX» downloads exactly the filtered contributions as a workbook', async ({ page }) => {
  await loginCitizen(page);
  await page.goto('/contributions?programme=DMS');
  await hydrated(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Скачать XLSX' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^vznosy-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const file = Buffer.concat(chunks);
  expect(file.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(file.length).toBeGreaterThan(2000);
  expect(download.url()).toContain('programme=DMS');
});

test('«Начисления»: «Скачать XLSX» carries the filter', async ({ page }) => {
  await loginCitizen(page);
  await page.goto('/charges?status=unpaid');
  await hydrated(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Скачать XLSX' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^nachisleniya-\d{4}-\d{2}-\d{2}\.xlsx$/);
  expect(download.url()).toContain('status=unpaid');
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).subarray(0, 2).toString('latin1')).toBe('PK');
});
