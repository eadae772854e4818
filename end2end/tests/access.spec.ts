import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('a second user cannot open the first user\'s policy by its address', async ({ browser }) => {
  const first = await browser.newPage();
  await login(first, 'demo@example.ru');
  await expect(first).toHaveURL(/\/$/);
  await first.goto('/policies');
  const link = first.locator('tbody tr a').first();
  const number = (await link.textContent())!.trim();
  const href = (await link.getAttribute('href'))!;
  await link.click();
  await expect(first.getByRole('heading', { name: `Полис ${number}` })).toBeVisible();

  const second = await browser.newPage();
  await login(second, 'rep@example.ru');
  await expect(second).toHaveURL(/\/$/);
  const response = await second.goto(href);
  expect(response!.status()).toBe(404);
  await expect(second.getByRole('heading', { name: 'Полис не найден' })).toBeVisible();
  await expect(second.getByText(number)).toHaveCount(0);
});

test('a page that needs a login sends to the login page and back', async ({ page }) => {
  await page.goto('/policies');
  await expect(page).toHaveURL(/\/login\?next=\/policies$/);
  await hydrated(page);
  await page.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill('+7 916 000-00-01');
  await page.getByLabel('Пароль').fill('Kabinet-2026');
  await page.getByRole('button', { name: 'Войти' }).click();
  await expect(page).toHaveURL(/\/policies$/);
  await expect(page.locator('tbody tr')).toHaveCount(3);
});

test('a wrong password says so without telling which part was wrong', async ({ page }) => {
  await login(page, 'broker@example.ru', 'Wrong-Password-1');
  await expect(page.getByRole('alert')).toContainText('Неверный логин или пароль');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel('E-mail, телефон, СНИЛС или ИНН')).toHaveValue('broker@example.ru');
});

test('the representative switches to the organisation and sees its policies', async ({ page }) => {
  await login(page, 'rep@example.ru');
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/policies');
  await hydrated(page);
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await page.getByLabel('Действую от имени').selectOption({ label: 'ООО «Ромашка» — Представитель юридического лица' });
  await expect(page.locator('tbody tr')).toHaveCount(2);
  await page.reload();
  await expect(page.getByLabel('Действую от имени')).toHaveValue(/.+/);
  await expect(page.locator('tbody tr')).toHaveCount(2);
});
