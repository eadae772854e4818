import { expect, test } from './fixtures';
import { attach, citizen, createRequest, hydrated, loginCitizen, loginStaff, pdfText, staffAnswers } from './helpers';

test('the create form names bad fields and keeps the values', async ({ browser }) => {
  const page = await citizen(browser);
  await page.goto('/policies');
  const policy = await page.locator('tbody tr a').first().getAttribute('href');
  await page.goto(`${policy}/request`);
  await hydrated(page);
  await page.getByLabel('Контактный телефон').fill('12');
  await page.getByLabel('Описание').fill('коротко');
  await page.getByRole('button', { name: 'Далее: проверить' }).click();
  await expect(page.getByText('Выберите тип запроса')).toBeVisible();
  await expect(page.getByLabel('Контактный телефон')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Описание: не меньше 10 символов')).toBeVisible();
  await expect(page.getByLabel('Описание')).toHaveValue('коротко');
  // A file named .pdf that is not one is refused by the server, and the refusal names it.
  await page.getByLabel('Добавить файл', { exact: true }).setInputFiles({
    name: 'скан.pdf', mimeType: 'application/pdf', buffer: Buffer.from('просто текст'),
  });
  await expect(page.locator('.file-line', { hasText: 'скан.pdf' }).getByRole('alert'))
    .toHaveText('Файл «скан.pdf» не похож на PDF, JPEG или PNG, или он повреждён');
  await page.context().close();
});

test('a citizen watches a request while staff reply and change its status: it shows within a second, without reload', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await citizen(browser);
  const text = `Нужна справка о полисе для работодателя ${Date.now()}`;
  const id = await createRequest(page, 'Справка', text, 'справка-основание.pdf');
  // The same page object all along: a reload would lose this marker.
  await page.evaluate(() => ((window as any).__noReload = true));
  await expect(page.locator('.live-status.online')).toBeVisible();

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff/requests?mine=none');
  await hydrated(staff);
  await expect(staff.locator(`a[href="/staff/requests/${id}"]`)).toBeVisible();
  await staff.goto(`/staff/requests/${id}`);
  await hydrated(staff);
  await expect(staff.locator('#request-description')).toHaveText(text);
  await staff.getByRole('button', { name: 'Взять себе' }).click();
  await expect(staff.getByText('Запрос взят в работу.')).toBeVisible();
  await expect(staff.locator('#request-status')).toContainText('исполнитель: Сотрудник');

  await staffAnswers(staff, 'clarification', 'Уточните, для какой организации нужна справка', 'образец.pdf');
  // The change is committed and published before the answer reaches staff: the citizen sees it
  // within a second.
  await expect(page.locator('#request-status')).toContainText('Требуется уточнение', { timeout: 1_000 });
  await expect(page.locator('#thread')).toContainText('Уточните, для какой организации нужна справка', { timeout: 1_000 });
  // The staff's file downloads for the citizen.
  const sample = page.locator('#thread a', { hasText: 'образец.pdf' });
  await expect(sample).toBeVisible();
  expect((await page.request.get((await sample.getAttribute('href'))!)).status()).toBe(200);

  // «Редактировать запрос»: the citizen answers; the request is back «В обработке».
  await page.getByLabel('Комментарий').fill('Для ООО «Работа и отдых»');
  await attach(page, 'реквизиты.pdf');
  await page.getByRole('button', { name: 'Добавить комментарий' }).click();
  await expect(page.getByText('Комментарий добавлен.')).toBeVisible();
  await expect(page.locator('#request-status')).toContainText('В обработке');
  await staff.reload();
  await expect(staff.locator('#thread')).toContainText('Для ООО «Работа и отдых»');
  await expect(staff.locator('#thread')).toContainText('реквизиты.pdf');
  await hydrated(staff);

  // «Завершено»: the certificate appears on the citizen's page by itself.
  await staffAnswers(staff, 'completed', 'Справка готова');
  await expect(page.locator('#request-status')).toContainText('Завершено', { timeout: 1_000 });
  await expect(page.locator('#request-documents')).toContainText('Справка о действии договора страхования', { timeout: 1_000 });
  await expect(page.getByRole('heading', { name: 'Редактировать запрос' })).toBeHidden();
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);

  // «История запросов» shows it with its status and filters by it (in the URL).
  await page.goto('/requests?status=completed&kind=certificate');
  await hydrated(page);
  await expect(page.getByLabel('Статус')).toHaveValue('completed');
  const row = page.locator('#requests-table tr', { has: page.locator(`a[href="/requests/${id}"]`) });
  await expect(row).toContainText('Завершено');
  await page.goto('/requests?status=rejected');
  await expect(page.locator(`a[href="/requests/${id}"]`)).toHaveCount(0);
  await staff.context().close();
  await page.context().close();
});

test('the request list updates live when staff change a status', async ({ browser }) => {
  const page = await citizen(browser);
  const id = await createRequest(page, 'Изменение данных', `Сменилась фамилия, прошу обновить полис ${Date.now()}`);
  await page.goto('/requests');
  await hydrated(page);
  await expect(page.locator('.live-status.online')).toBeVisible();
  const row = page.locator('#requests-table tr', { has: page.locator(`a[href="/requests/${id}"]`) });
  await expect(row).toContainText('В обработке');
  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto(`/staff/requests/${id}`);
  await hydrated(staff);
  await staffAnswers(staff, 'rejected', 'Нужен скан нового паспорта');
  await expect(row).toContainText('Отклонено', { timeout: 1_000 });
  await page.goto(`/requests/${id}`);
  await expect(page.locator('#request-status')).toContainText('причина: Нужен скан нового паспорта');
  await staff.context().close();
  await page.context().close();
});

test('the submission receipt is in «Документы» with a QR code whose public check page shows only type, number and date', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  const me = await loginCitizen(page);
  const id = await createRequest(page, 'Оформление выплаты', `Прошу оформить выплату по случаю ${Date.now()}`);
  const number = (await page.getByRole('heading', { level: 1 }).innerText()).replace('Запрос ', '').trim();
  await page.goto('/documents?kind=submission_receipt');
  await hydrated(page);
  await expect(page.getByLabel('Тип')).toHaveValue('submission_receipt');
  const row = page.locator('#documents-table tr', { hasText: `КВ-${number}` });
  await expect(row).toContainText('Квитанция о подаче');
  // Fetched by its link rather than clicked, as a list that is live may redraw under a click.
  const pdf = await page.request.get((await row.getByRole('link', { name: /PDF/ }).getAttribute('href'))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-disposition']).toMatch(/filename="?kvitanciya-.*\.pdf/);
  const text = pdfText(await pdf.body());
  expect(text).toContain(`КВ-${number}`);
  expect(text).toContain('Оформление выплаты');
  const code = text.match(/код ([0-9A-Z]{5}-[0-9A-Z]{5})/);
  expect(code, 'the check code under the QR').not.toBeNull();

  // «Отправить на e-mail».
  await row.getByRole('button', { name: 'Отправить на e-mail' }).click();
  await expect(page.locator('#mail-result')).toHaveText(`Документ отправлен на ${me.email}.`);

  // The check page is public: a fresh browser without a session.
  const guest = await (await browser.newContext()).newPage();
  await guest.goto(`/check/${code![1]}`);
  await expect(guest.locator('#check-result')).toContainText('Документ подлинный');
  await expect(guest.locator('#check-kind')).toHaveText('Квитанция о подаче');
  await expect(guest.locator('#check-number')).toHaveText(`КВ-${number}`);
  await expect(guest.locator('#check-date')).toHaveText(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$/);
  await expect(guest.locator('main')).not.toContainText('Иванов');
  await hydrated(guest);
  const missing = await guest.goto('/check/ZZZZZ-ZZZZZ');
  expect(missing!.status()).toBe(404);
  await expect(guest.locator('#check-result')).toContainText('Документ не найден');
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  await guest.context().close();
  await page.context().close();
});

test('another citizen gets «not found» for a request, its documents and the staff console', async ({ browser }) => {
  const page = await citizen(browser);
  const id = await createRequest(page, 'Справка', `Справка для банка ${Date.now()}`);
  const doc = await page.locator('#request-documents a').first().getAttribute('href');
  expect(doc).toMatch(/^\/documents\/[0-9a-f]{32}\.pdf$/);
  await page.context().close();

  const other = await citizen(browser, 'rep@example.ru');
  const res = await other.goto(`/requests/${id}`);
  expect(res!.status()).toBe(404);
  await expect(other.getByRole('heading', { name: 'Запрос не найден' })).toBeVisible();
  expect((await other.request.get(doc!)).status()).toBe(404);
  for (const path of ['/staff', '/staff/requests', `/staff/requests/${id}`]) {
    const r = await other.goto(path);
    expect(r!.status(), path).toBe(404);
    await expect(other.getByRole('heading', { name: 'Страница не найдена' })).toBeVisible();
  }
  expect((await other.request.get(`/staff/documents/${doc!.split('/').pop()}`)).status()).toBe(404);
  const api = await other.request.post('/api/staff/request', { form: { id } });
  expect(api.status()).toBe(404);
  await other.context().close();
});
