import { expect, test } from './fixtures';
import { enterCode, hydrated, lastCode, loginStaff, newInn, newPerson, register } from './helpers';

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

test('a passport change: content-checked scan, a size limit, «На проверке», then staff approval applies it and it is in the history', async ({ page, browser }) => {
  const person = newPerson('Морозова Елена Павловна');
  const password = 'Nadezhnyi-Parol-7';
  await register(page, person, password);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);
  await page.goto('/profile');
  await hydrated(page);
  await page.getByRole('button', { name: 'Изменить паспорт' }).click();
  await page.getByLabel('Серия и номер').fill('4510 123456');
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  await page.getByLabel('Скан паспорта').setInputFiles({ name: 'passport.pdf', mimeType: 'application/pdf', buffer: png });
  await page.getByRole('button', { name: 'Отправить на проверку' }).click();

  // A PNG named .pdf is refused by its content; what was typed stays.
  await expect(page.locator('#f-scan-error')).toContainText('по содержимому не PDF и не JPEG');
  await expect(page.getByLabel('Серия и номер')).toHaveValue('4510 123456');

  const big = Buffer.alloc(6 * 1024 * 1024, 0x20);
  big.write('%PDF-1.4\n');
  await page.getByLabel('Скан паспорта').setInputFiles({ name: 'big.pdf', mimeType: 'application/pdf', buffer: big });
  await page.getByRole('button', { name: 'Отправить на проверку' }).click();
  await expect(page.locator('#f-scan-error')).toContainText('больше 5 МБ');

  await page.getByLabel('Скан паспорта').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% scan\n') });
  await page.getByRole('button', { name: 'Отправить на проверку' }).click();
  // Then the second factor, in place; after it the same form goes again by itself.
  await expect(page.getByRole('region', { name: 'Подтверждение личности' })).toBeVisible();
  await page.getByRole('button', { name: 'Прислать код на e-mail' }).click();
  await expect(page.getByText(/Код отправлен на /)).toBeVisible();
  await page.getByLabel('Код из письма').fill(await lastCode(page.request, person.email));
  await page.getByRole('button', { name: 'Подтвердить' }).click();
  await expect(page.getByText('Паспорт отправлен на проверку')).toBeVisible();
  await expect(page.locator('.facts')).toContainText('На проверке');
  const pending = page.locator('tbody tr').first();
  await expect(pending.locator('td[data-label="Поле"]')).toHaveText('Паспорт');
  await expect(pending.locator('td[data-label="Статус"]')).toHaveText('На проверке');

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff');
  await hydrated(staff);
  await expect(staff.getByText(`${person.name}: паспорт 4510 123456`)).toBeVisible();
  await staff.getByRole('button', { name: `Одобрить: ${person.name}` }).click();
  await expect(staff.getByText(`${person.name}: паспорт 4510 123456`)).toHaveCount(0);

  await page.reload();
  await hydrated(page);
  await expect(page.locator('.facts')).toContainText('45 10 ******');
  await expect(page.locator('.facts')).not.toContainText('На проверке');
  const done = page.locator('tbody tr').first();
  await expect(done.locator('td[data-label="Статус"]')).toHaveText('Применено');
  await expect(done.locator('td[data-label="Кем"]')).toHaveText('сотрудник страховщика');
});

test('editing the ИНН asks for the second factor and keeps the typed value; a bad ИНН is named; a new ФИО goes to staff, who approve it', async ({ page, browser }) => {
  const person = newPerson('Соколов Игорь Васильевич');
  await register(page, person);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);
  await page.goto('/profile');
  await hydrated(page);

  await page.getByRole('button', { name: 'Редактировать ИНН' }).click();
  await expect(page.getByRole('heading', { name: 'Изменить ИНН' })).toBeVisible();
  await page.getByLabel('Новое значение').fill('7707083893');
  await page.getByRole('button', { name: 'Отправить на проверку' }).click();
  await expect(page.locator('#f-value-error')).toContainText('Это ИНН организации');
  const inn = newInn();
  await page.getByLabel('Новое значение').fill(`${inn.slice(0, 4)} ${inn.slice(4)}`);
  await page.getByRole('button', { name: 'Отправить на проверку' }).click();

  // The factor first; what was typed stays and is sent by itself afterwards.
  await expect(page.getByRole('region', { name: 'Подтверждение личности' })).toBeVisible();
  await expect(page.getByLabel('Новое значение')).toHaveValue(`${inn.slice(0, 4)} ${inn.slice(4)}`);
  await page.getByRole('button', { name: 'Прислать код на e-mail' }).click();
  await expect(page.getByText(/Код отправлен на /)).toBeVisible();
  await page.getByLabel('Код из письма').fill(await lastCode(page.request, person.email));
  await page.getByRole('button', { name: 'Подтвердить' }).click();
  await expect(page.getByText('ИНН: изменение отправлено на проверку')).toBeVisible();
  const innRow = page.locator('.facts div', { hasText: 'ИНН' });
  await expect(innRow).toContainText('На проверке');
  let row = page.locator('tbody tr').first();
  await expect(row.locator('td[data-label="Поле"]')).toHaveText('ИНН');
  await expect(row.locator('td[data-label="Стало"]')).toHaveText(`********${inn.slice(8)}`);
  await expect(row.locator('td[data-label="Статус"]')).toHaveText('На проверке');

  // The factor is fresh for ten minutes: a new ФИО goes straight to the check.
  await page.getByRole('button', { name: 'Редактировать ФИО' }).click();
  await page.getByLabel('Новое значение').fill('Соколов');
  await page.getByRole('button', { name: 'Отправить на проверку' }).click();
  await expect(page.locator('#f-value-error')).toContainText('Укажите фамилию и имя');
  await page.getByLabel('Новое значение').fill('Соколов-Белый Игорь Васильевич');
  await page.getByRole('button', { name: 'Отправить на проверку' }).click();
  await expect(page.getByText('Фамилия, имя, отчество: изменение отправлено на проверку')).toBeVisible();

  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await loginStaff(staff);
  await staff.goto('/staff');
  await hydrated(staff);
  await expect(staff.getByText(`${person.name}: ФИО Соколов-Белый Игорь Васильевич`)).toBeVisible();
  await staff.getByRole('button', { name: `Одобрить: ${person.name}, ФИО` }).click();
  await expect(staff.getByText(`${person.name}: ФИО Соколов-Белый Игорь Васильевич`)).toHaveCount(0);
  await staffContext.close();

  await page.reload();
  await hydrated(page);
  await expect(page.locator('.facts')).toContainText('Соколов-Белый Игорь Васильевич');
  row = page.locator('tbody tr', { hasText: 'Соколов-Белый' }).first();
  await expect(row.locator('td[data-label="Статус"]')).toHaveText('Применено');
  await expect(row.locator('td[data-label="Кем"]')).toHaveText('сотрудник страховщика');
});
