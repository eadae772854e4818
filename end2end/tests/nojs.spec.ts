import { expect, test } from './fixtures';

// Before the WASM loads (or without JavaScript at all) the core forms still work.
test.use({ javaScriptEnabled: false });

test('log in without JavaScript: a wrong password is explained, the right one opens the cabinet', async ({ page }) => {
  await page.goto('/login?next=/contributions');
  await page.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill('demo@example.ru');
  await page.getByLabel('Пароль').fill('Not-The-Password-1');
  await page.getByRole('button', { name: 'Войти' }).click();
  await expect(page.getByRole('alert')).toContainText('Неверный логин или пароль');

  await page.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill('demo@example.ru');
  await page.getByLabel('Пароль').fill('Kabinet-2026');
  await page.getByRole('button', { name: 'Войти' }).click();
  await expect(page).toHaveURL(/\/contributions$/);
  await expect(page.locator('tbody tr').first()).toBeVisible();

  // The filter form is a plain GET form.
  await page.getByLabel('Страхование имущества').check();
  await page.getByRole('button', { name: 'Применить' }).click();
  await expect(page).toHaveURL(/programme=IMU/);
  const programmes = await page.locator('tbody td[data-label="Программа"]').allTextContents();
  expect(new Set(programmes)).toEqual(new Set(['Страхование имущества']));
});

test('an access application without JavaScript: a bad field is named, then the status page shows the number', async ({ page }) => {
  await page.goto('/recover/manual');
  await page.getByLabel('Фамилия, имя, отчество').fill('Никто Никто Никтоевич');
  await page.getByLabel('СНИЛС или ИНН').fill('12345');
  await page.getByLabel('Номер последнего полиса').fill('DMS-2020-1234567');
  await page.getByLabel('Контакт для связи: e-mail или телефон').fill('nojs-applicant@example.ru');
  await page.getByRole('button', { name: 'Подать заявку' }).click();
  await expect(page.locator('#f-id_number-error')).toContainText('СНИЛС содержит 11 цифр');

  await page.getByLabel('СНИЛС или ИНН').fill('500100732259');
  await page.getByLabel('Номер последнего полиса').fill('DMS-2020-1234567');
  await page.getByLabel('Фамилия, имя, отчество').fill('Никто Никто Никтоевич');
  await page.getByLabel('Контакт для связи: e-mail или телефон').fill('nojs-applicant@example.ru');
  await page.getByRole('button', { name: 'Подать заявку' }).click();
  await expect(page).toHaveURL(/\/recover\/manual\/status\?/);
  await expect(page.getByText('Заявка принята.')).toBeVisible();
  await expect(page.locator('.access-status-label')).toHaveText('На рассмотрении');
});
