import { expect, test } from './fixtures';
import { enterCode, hydrated, lastCode, lastMessage, login, newPerson, register } from './helpers';

// A freshly registered account: the shared demo accounts keep `Kabinet-2026` for the other tests.
test('«Сменить пароль»: the current password, the new one twice; other sessions end, this one goes on, the mail tells', async ({ browser }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  const page = await laptop.newPage();
  const person = newPerson('Сменова Анна Петровна');
  const password = 'Nadezhnyi-Parol-7';
  await register(page, person, password);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);
  const other = await phone.newPage();
  await login(other, person.email, password);
  await expect(other).not.toHaveURL(/\/login/);

  await page.goto('/security');
  await hydrated(page);
  const form = page.locator('section.password-change');
  await expect(form.getByRole('heading', { name: 'Сменить пароль' })).toBeVisible();

  // The policy, by field, in Russian; no password stays typed after an answer.
  await form.getByLabel('Текущий пароль').fill(password);
  await form.getByLabel('Новый пароль', { exact: true }).fill('Novyi2026Parol');
  await form.getByLabel('Новый пароль ещё раз').fill('Novyi2026Parol');
  await form.getByRole('button', { name: 'Сменить пароль' }).click();
  await expect(page.locator('#f-new_password-error')).toContainText('специальный символ');
  await expect(page.locator('#f-new_password')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Текущий пароль')).toHaveValue('');

  // A wrong current password is counted.
  await form.getByLabel('Текущий пароль').fill('Wrong-Parol-1');
  await form.getByLabel('Новый пароль', { exact: true }).fill('Novyi-Parol-2026');
  await form.getByLabel('Новый пароль ещё раз').fill('Novyi-Parol-2026');
  await form.getByRole('button', { name: 'Сменить пароль' }).click();
  await expect(page.locator('#f-old_password-error')).toHaveText('Неверный текущий пароль. Осталось попыток: 4');

  await form.getByLabel('Текущий пароль').fill(password);
  await form.getByLabel('Новый пароль', { exact: true }).fill('Novyi-Parol-2026');
  await form.getByLabel('Новый пароль ещё раз').fill('Novyi-Parol-2026');
  await form.getByRole('button', { name: 'Сменить пароль' }).click();
  await expect(page).toHaveURL(/\/security\?password=changed$/);
  await expect(page.getByText('Пароль изменён. Все другие сеансы завершены')).toBeVisible();
  await expect(page.locator('li.session')).toHaveCount(1);
  await expect(page.getByRole('cell', { name: 'Пароль изменён в разделе «Безопасность»' })).toBeVisible();
  expect(await lastMessage(page.request, person.email)).toContain('Пароль от Кабинета страхователя изменён');

  // This browser goes on under its new session id; the other one is logged out.
  await page.goto('/policies');
  await expect(page).toHaveURL(/\/policies$/);
  await other.goto('/policies');
  await expect(other).toHaveURL(/\/login/);
  // The old password no longer opens the cabinet; the new one does.
  await login(other, person.email, password);
  await expect(other.getByRole('alert')).toContainText('Неверный логин или пароль');
  await login(other, person.email, 'Novyi-Parol-2026');
  await expect(other).not.toHaveURL(/\/login/);
  await laptop.close();
  await phone.close();
});
