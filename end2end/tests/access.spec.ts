import { expect, test } from './fixtures';
import { enterCode, hydrated, lastCode, lastMessage, login, loginStaff, newPerson, register } from './helpers';

test('«Восстановление доступа без подтверждения»: an application, staff approve with a new contact, the one-time link sets a password once', async ({ page, browser }) => {
  const person = newPerson('Лебедев Артём Сергеевич');
  await register(page, person, 'Staryi-Parol-2026');
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);

  await page.getByRole('link', { name: 'Нет доступа ни к почте, ни к телефону?' }).click();
  await expect(page.getByRole('heading', { name: 'Восстановление доступа' })).toBeVisible();
  await hydrated(page);
  const reachable = `home-${person.email}`;
  await page.getByLabel('Фамилия, имя, отчество').fill(person.name.toUpperCase());
  await page.getByLabel('СНИЛС или ИНН').fill(person.snils);
  await page.getByLabel('Номер последнего полиса').fill('imu-2025-0000001');
  await page.getByLabel('Контакт для связи: e-mail или телефон').fill('почта');
  await page.getByRole('button', { name: 'Подать заявку' }).click();
  // A bad field is named; what was typed stays.
  await expect(page.locator('#f-contact-error')).toContainText('Укажите e-mail');
  await expect(page.getByLabel('Номер последнего полиса')).toHaveValue('imu-2025-0000001');
  await page.getByLabel('Контакт для связи: e-mail или телефон').fill(reachable);
  await page.getByRole('button', { name: 'Подать заявку' }).click();

  await expect(page).toHaveURL(/\/recover\/manual\/status\?/);
  await expect(page.getByText('Заявка принята.')).toBeVisible();
  const number = (await page.locator('.access-status dd').first().innerText()).trim();
  expect(number).toMatch(/^ВД-\d{4}-\d{6}$/);
  await expect(page.locator('.access-status-label')).toHaveText('На рассмотрении');
  expect(await lastMessage(page.request, reachable)).toContain(`Заявка № ${number}`);

  // Staff see what matched and approve with the reachable e-mail as the new login.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await loginStaff(staff);
  await staff.goto('/staff');
  await hydrated(staff);
  const application = staff.locator('li.access-application', { hasText: number });
  await expect(application).toContainText(`Учётная запись по СНИЛС: ${person.name}`);
  await expect(application).toContainText('ФИО совпадает');
  await expect(application.getByLabel('Новый контакт для входа: e-mail или телефон')).toHaveValue(reachable);
  await staff.getByRole('button', { name: `Одобрить заявку ${number}` }).click();
  await expect(application).toHaveCount(0);
  await staffContext.close();

  // The applicant reads the decision at the contact, and on the status page.
  const message = await lastMessage(page.request, reachable);
  expect(message).toContain(`Заявка № ${number} на восстановление доступа одобрена`);
  const link = message.match(/\/recover\/manual\/password\?token=[0-9a-f]{64}/)![0];
  await page.goto(`/recover/manual/status?number=${encodeURIComponent(number)}&contact=${encodeURIComponent(reachable)}`);
  await expect(page.locator('.access-status-label')).toHaveText('Одобрена');

  // The link: the password policy applies, then the new password works, and the link is spent.
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByText(`Заявка № ${number}. Ваш логин теперь`)).toBeVisible();
  await page.getByLabel('Новый пароль', { exact: true }).fill('parol');
  await page.getByLabel('Новый пароль ещё раз').fill('parol');
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await expect(page.locator('#f-password-error')).toContainText('Пароль слишком короткий');
  await page.getByLabel('Новый пароль', { exact: true }).fill('Novyi-Parol-2026');
  await page.getByLabel('Новый пароль ещё раз').fill('Novyi-Parol-2026');
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);

  await login(page, person.email, 'Novyi-Parol-2026');
  await expect(page.getByRole('alert')).toContainText('Неверный логин или пароль');
  await login(page, reachable, 'Novyi-Parol-2026');
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/security');
  await expect(page.getByRole('cell', { name: 'Доступ восстановлен: пароль задан по ссылке' })).toBeVisible();
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('Ссылка недействительна');
  await expect(page.getByLabel('Новый пароль', { exact: true })).toHaveCount(0);
});

test('an application answers the same when nothing matches; staff reject it with a reason the applicant reads', async ({ page, browser }) => {
  await page.goto('/recover/manual');
  await hydrated(page);
  const contact = newPerson('x').phone;
  await page.getByLabel('Фамилия, имя, отчество').fill('Никто Никто Никтоевич');
  await page.getByLabel('СНИЛС или ИНН').fill('500100732259');
  await page.getByLabel('Номер последнего полиса').fill('DMS-2020-1234567');
  await page.getByLabel('Контакт для связи: e-mail или телефон').fill(contact);
  await page.getByRole('button', { name: 'Подать заявку' }).click();
  await expect(page.getByText('Заявка принята.')).toBeVisible();
  await expect(page.locator('.access-status-label')).toHaveText('На рассмотрении');
  const number = (await page.locator('.access-status dd').first().innerText()).trim();

  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await loginStaff(staff);
  await staff.goto('/staff');
  await hydrated(staff);
  const application = staff.locator('li.access-application', { hasText: number });
  await expect(application).toContainText('Учётной записи с таким СНИЛС или ИНН нет');
  await application.getByLabel('Причина отказа').fill('Данные не совпадают с договором');
  await staff.getByRole('button', { name: `Отклонить заявку ${number}` }).click();
  await expect(application).toHaveCount(0);
  await staffContext.close();

  // The status form is a plain GET form: it works before the WASM loads too.
  await page.goto('/recover/manual/status');
  await hydrated(page);
  await page.getByLabel('Номер заявки').fill(number.toLowerCase());
  await page.getByLabel('Контакт для связи из заявки').fill(contact);
  await page.getByRole('button', { name: 'Узнать статус' }).click();
  await expect(page.locator('.access-status-label')).toHaveText('Отклонена');
  await expect(page.locator('.access-status')).toContainText('Данные не совпадают с договором');
  // A wrong contact finds nothing, and says which fields to check.
  await page.getByLabel('Контакт для связи из заявки').fill('other@example.ru');
  await page.getByRole('button', { name: 'Узнать статус' }).click();
  await expect(page.locator('#f-number-error')).toContainText('Заявка с таким номером и контактом не найдена');
  await expect(page.getByLabel('Номер заявки')).toHaveValue(number.toLowerCase());
});
