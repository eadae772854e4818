import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('ending another session from «Безопасность» logs that browser out', async ({ browser }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1' });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  await login(b, 'broker@example.ru');
  await expect(b).toHaveURL(/\/$/);
  await login(a, 'broker@example.ru');
  await expect(a).toHaveURL(/\/$/);

  await a.getByRole('link', { name: 'Безопасность' }).click();
  await expect(a.getByRole('heading', { name: 'Активные сеансы' })).toBeVisible();
  const other = a.locator('li.session', { hasText: 'Safari, iOS' });
  await expect(other).toBeVisible();
  await expect(a.locator('li.session', { hasText: 'Этот сеанс' })).toBeVisible();
  await other.getByRole('button', { name: 'Завершить' }).click();
  await expect(other).toHaveCount(0);
  await expect(a.getByRole('cell', { name: 'Сеанс завершён с другого устройства' }).first()).toBeVisible();

  // The phone is logged out.
  await b.goto('/policies');
  await expect(b).toHaveURL(/\/login/);
  // The laptop is not.
  await a.goto('/policies');
  await expect(a).toHaveURL(/\/policies$/);
  await hydrated(a);
  await laptop.close();
  await phone.close();
});

test('the security journal records a failed login, newest first', async ({ page }) => {
  await login(page, 'staff@example.ru', 'Wrong-Password-2');
  await expect(page.getByRole('alert')).toContainText('Неверный логин или пароль');
  await login(page, 'staff@example.ru');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText('Ваша учётная запись пока не связана ни с одним страхователем')).toBeVisible();
  await page.goto('/security');
  const events = page.locator('tbody td[data-label="Событие"]');
  await expect(events.first()).toHaveText('Вход');
  await expect(events.nth(1)).toHaveText('Неудачная попытка входа');
});
