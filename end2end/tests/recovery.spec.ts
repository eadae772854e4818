import { expect, test } from './fixtures';
import { enterCode, hydrated, lastCode, login, register } from './helpers';

const volkova = { name: 'Волкова Елена Андреевна', email: 'volkova@example.ru', phone: '+7 916 000-01-04', snils: '318-275-946 98' };

test('«Забыли пароль»: a code to the e-mail, a new password, every other session ends', async ({ browser }) => {
  const first = await browser.newContext();
  const page = await first.newPage();
  await register(page, volkova, 'Staryi-Parol-2026');
  await enterCode(page, await lastCode(page.request, volkova.email));
  await expect(page).toHaveURL(/\/policies$/);

  // Another device stays logged in until the reset.
  const second = await browser.newContext();
  const other = await second.newPage();
  await login(other, volkova.email, 'Staryi-Parol-2026');
  await expect(other).toHaveURL(/\/$/);

  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Забыли пароль?' }).click();
  await expect(page.getByRole('heading', { name: 'Восстановление пароля' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('E-mail или телефон').fill(volkova.email);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await expect(page.getByRole('status')).toContainText('мы отправили на него 6-значный код');
  const code = await lastCode(page.request, volkova.email);
  await page.getByLabel('Код из сообщения').fill(code);
  await page.getByLabel('Новый пароль', { exact: true }).fill('Novyi-Parol-2026');
  await page.getByLabel('Новый пароль ещё раз').fill('Novyi-Parol-2026');
  await page.getByRole('button', { name: 'Сменить пароль' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByText('Пароль изменён, все сеансы завершены')).toBeVisible();

  // The other device is logged out; the old password no longer works, the new one does.
  await other.goto('/policies');
  await expect(other).toHaveURL(/\/login/);
  await login(page, volkova.email, 'Staryi-Parol-2026');
  await expect(page.getByRole('alert')).toContainText('Неверный логин или пароль');
  await login(page, volkova.email, 'Novyi-Parol-2026');
  await expect(page).toHaveURL(/\/$/);
  await first.close();
  await second.close();
});

test('«Забыли пароль» answers the same for a contact nobody registered', async ({ page }) => {
  await page.goto('/recover');
  await hydrated(page);
  await page.getByLabel('E-mail или телефон').fill('nobody-here@example.ru');
  await page.getByRole('button', { name: 'Получить код' }).click();
  await expect(page.getByRole('status')).toContainText('Если учётная запись с контактом nobody-here@example.ru есть');
  await page.getByLabel('Код из сообщения').fill('123456');
  await page.getByLabel('Новый пароль', { exact: true }).fill('Novyi-Parol-2026');
  await page.getByLabel('Новый пароль ещё раз').fill('Novyi-Parol-2026');
  await page.getByRole('button', { name: 'Сменить пароль' }).click();
  // Exactly what a real account's wrong code gets: the count of tries left.
  await expect(page.getByText('Неверный код. Осталось попыток: 4')).toBeVisible();
});
