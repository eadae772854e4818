import { test, expect } from '@playwright/test';
import { enterCode, hydrated, lastCode, newPerson, register } from './helpers';

test('changing the phone without a fresh second factor asks for it, keeps what was typed, then succeeds and is in the history', async ({ page }) => {
  const person = newPerson('Кузнецов Алексей Игоревич');
  const password = 'Nadezhnyi-Parol-7';
  await register(page, person, password);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);

  await page.getByRole('link', { name: 'Профиль' }).click();
  await expect(page.getByRole('heading', { name: 'Профиль' })).toBeVisible();
  await hydrated(page);
  await expect(page.locator('.facts')).toContainText(person.name);
  await page.getByRole('button', { name: 'Редактировать мобильный телефон' }).click();
  await page.getByLabel('Новое значение').fill('+7 916 123-45-67');
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Сохранить' }).click();

  // Refused until the person proves it is them; the typed values stay.
  await expect(page.getByRole('region', { name: 'Подтверждение личности' })).toBeVisible();
  await expect(page.getByLabel('Новое значение')).toHaveValue('+7 916 123-45-67');
  await page.getByRole('button', { name: 'Прислать код на e-mail' }).click();
  await expect(page.getByText(/Код отправлен на /)).toBeVisible();
  const code = await lastCode(page.request, person.email);
  await page.getByLabel('Код из письма').fill(code);
  await page.getByRole('button', { name: 'Подтвердить' }).click();

  await expect(page.getByText('Мобильный телефон: изменения сохранены')).toBeVisible();
  await expect(page.locator('.facts')).toContainText('+7 916 123-45-67');
  const row = page.locator('tbody tr').first();
  await expect(row.locator('td[data-label="Поле"]')).toHaveText('Мобильный телефон');
  await expect(row.locator('td[data-label="Стало"]')).toHaveText('+7 *** ***-45-67');
  await expect(row.locator('td[data-label="Статус"]')).toHaveText('Применено');
});

test('«Выгрузить мои данные» gives a readable PDF and a JSON file of the person', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill('broker@example.ru');
  await page.getByLabel('Пароль').fill('Kabinet-2026');
  await page.getByRole('button', { name: 'Войти' }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/profile');
  await hydrated(page);
  const [pdf] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Выгрузить мои данные (PDF)' }).click(),
  ]);
  expect(pdf.suggestedFilename()).toMatch(/^moi-dannye-\d{4}-\d{2}-\d{2}\.pdf$/);
  const json = await (await page.request.get('/profile/my-data.json')).json();
  expect(json.account.email).toBe('broker@example.ru');
  expect(json.policyholders.length).toBeGreaterThan(1);
});
