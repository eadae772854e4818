import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { enterCode, hydrated, lastCode, newPerson, normalPhone, register, totp } from './helpers';

async function loginWithPassword(page: Page, email: string, password: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill(email);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
}

test('TOTP: enrol with the shown secret, log in with a code, then with a recovery code that then stops working', async ({ page }) => {
  const person = newPerson('Смирнова Ольга Викторовна');
  const password = 'Nadezhnyi-Parol-7';
  await register(page, person, password);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);

  await page.goto('/security');
  await hydrated(page);
  await page.getByRole('button', { name: 'Подключить приложение-аутентификатор' }).click();
  await expect(page.getByRole('img', { name: 'QR-код для приложения-аутентификатора' })).toBeVisible();
  const secret = (await page.locator('.totp-secret').innerText()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel('Код из приложения').fill('000000');
  await page.getByRole('button', { name: 'Подтвердить и включить' }).click();
  await expect(page.locator('#f-code-error')).toContainText('Код не подошёл');
  await page.getByLabel('Код из приложения').fill(totp(secret));
  await page.getByRole('button', { name: 'Подтвердить и включить' }).click();
  await expect(page.getByText('Защита включена. Сохраните резервные коды')).toBeVisible();
  const codes = await page.locator('.recovery-codes code').allInnerTexts();
  expect(codes).toHaveLength(10);

  // Log in again: the password alone is not enough.
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  await loginWithPassword(page, person.email, password);
  await expect(page).toHaveURL(/\/login\/code/);
  await hydrated(page);
  const blocked = await page.goto('/contributions');
  expect(blocked!.url()).toContain('/login/code');
  await hydrated(page);
  // The next 30-second step's code (the current one was spent on the enrolment).
  await page.getByLabel('Код из приложения или резервный код').fill(totp(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/contributions$/);

  // And with a recovery code, once.
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await loginWithPassword(page, person.email, password);
  await expect(page).toHaveURL(/\/login\/code/);
  await hydrated(page);
  await page.getByLabel('Код из приложения или резервный код').fill(codes[0]);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await loginWithPassword(page, person.email, password);
  await expect(page).toHaveURL(/\/login\/code/);
  await hydrated(page);
  await page.getByLabel('Код из приложения или резервный код').fill(codes[0]);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page.locator('#f-code-error')).toContainText('уже использован');
  await expect(page).toHaveURL(/\/login\/code/);
});

test('SMS codes: enrol by a code sent to the phone, then log in with an SMS code, with a resend after a cool-down', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const person = newPerson('Григорьева Дарья Олеговна');
  const phone = normalPhone(person.phone);
  const password = 'Nadezhnyi-Parol-7';
  await register(page, person, password);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);

  await page.goto('/security');
  await hydrated(page);
  await page.getByRole('button', { name: /Получать коды в SMS на \+7 \*\*\* \*\*\*-/ }).click();
  await expect(page.getByText('Код отправлен в SMS на')).toBeVisible();
  await page.getByLabel('Код из SMS').fill('000000');
  await page.getByRole('button', { name: 'Подтвердить телефон и включить' }).click();
  await expect(page.locator('#f-code-error')).toContainText('Неверный код. Осталось попыток: 4');
  await page.getByLabel('Код из SMS').fill(await lastCode(page.request, phone));
  await page.getByRole('button', { name: 'Подтвердить телефон и включить' }).click();
  await expect(page.getByText('Защита включена. Сохраните резервные коды')).toBeVisible();
  await expect(page.getByText(/Включена: при входе нужен код из SMS/)).toBeVisible();
  const codes = await page.locator('.recovery-codes code').allInnerTexts();
  expect(codes).toHaveLength(10);

  // The password alone is not enough: an SMS code is sent at once.
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  await loginWithPassword(page, person.email, password);
  await expect(page).toHaveURL(/\/login\/code/);
  await hydrated(page);
  await expect(page.getByText(/Мы отправили 6-значный код в SMS на \+7 \*\*\* \*\*\*-/)).toBeVisible();
  // «Отправить код ещё раз» waits for the cool-down.
  await expect(page.getByRole('button', { name: /Отправить код ещё раз через \d+ с/ })).toBeDisabled();
  const code = await lastCode(page.request, phone);
  await page.getByLabel('Код из SMS или резервный код').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page.locator('#f-code-error')).toContainText('Осталось попыток');
  await page.getByLabel('Код из SMS или резервный код').fill(code);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);

  // A recovery code works instead of the SMS, once.
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await loginWithPassword(page, person.email, password);
  await expect(page).toHaveURL(/\/login\/code/);
  await hydrated(page);
  await page.getByLabel('Код из SMS или резервный код').fill(codes[0]);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  expect(errors).toEqual([]);
});
