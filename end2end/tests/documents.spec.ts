import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { bytes, citizen, createRequest, hydrated, loginStaff, pdfText } from './helpers';

/**
 * Presses a button of «Получить документ» on the policy page: the PDF downloads. Then asks the
 * server once more for the same kind (as the form does): with the data unchanged it sends the
 * browser to the same document. The document's address, the file's name and its text.
 */
async function fromPolicyPage(page: Page, policyPath: string, kind: string, button: string) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#policy-documents').getByRole('button', { name: button }).click(),
  ]);
  const text = pdfText(await bytes(download));
  const again = await page.request.post(`${policyPath}/documents/${kind}`, { maxRedirects: 0 });
  expect(again.status()).toBe(303);
  const path = again.headers()['location'];
  expect(path).toMatch(/^\/documents\/[0-9a-f]{32}\.pdf$/);
  // The same document: the number after the title is the same.
  const docNumber = (t: string) => t.match(/№\s+(\S+)/)![1];
  const number = docNumber(text);
  const res = await page.request.get(path);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/pdf');
  const body = await res.body();
  expect(body.subarray(0, 5).toString()).toBe('%PDF-');
  expect(docNumber(pdfText(body))).toBe(number);
  return { path, name: download.suggestedFilename(), text, number };
}

test('the policy, the payout application and the history of insured events come from the policy page, stay in «Документы» and check as genuine', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await citizen(browser);
  await page.goto('/policies');
  const policyPath = (await page.locator('tbody tr a').first().getAttribute('href'))!;
  await page.goto(policyPath);
  await hydrated(page);
  const number = (await page.getByRole('heading', { level: 1 }).innerText()).replace('Полис ', '').trim();

  const policy = await fromPolicyPage(page, policyPath, 'policy', 'Полис (PDF)');
  expect(policy.name).toMatch(/^polis-.*\.pdf$/);
  expect(policy.text).toContain('Полис страхования');
  expect(policy.text).toContain(number);
  expect(policy.text).toContain('Страховая сумма');
  expect(policy.number).toBe(`ПОЛ-${number}`);

  const payout = await fromPolicyPage(page, policyPath, 'payout_application', 'Заявление на выплату (PDF)');
  expect(payout.name).toMatch(/^zayavlenie-na-vyplatu-.*\.pdf$/);
  expect(payout.text).toContain('Заявление на страховую выплату');
  expect(payout.text).toContain('Иванов Иван Петрович');
  expect(payout.text).toContain(number);
  expect(payout.text).toContain('Расчётный счёт получателя');

  const history = await fromPolicyPage(page, policyPath, 'events_history', 'История страховых случаев (PDF)');
  expect(history.name).toMatch(/^istoriya-strahovyh-sluchaev-.*\.pdf$/);
  expect(history.text).toContain('История страховых случаев');
  expect(history.text).toContain(number);
  expect(history.text).toMatch(/СС-\d{4}-\d{6}|не зарегистрировано/);

  // Pressed again with the same data: the same document, not a new one.
  expect((await fromPolicyPage(page, policyPath, 'policy', 'Полис (PDF)')).path).toBe(policy.path);

  // In «Документы» under their kinds, and the type filter offers them.
  await page.goto(`/documents?policy=${policyPath.split('/').pop()}`);
  await hydrated(page);
  const table = page.locator('#documents-table');
  for (const [path, label] of [[policy.path, 'Полис'], [payout.path, 'Заявление на выплату'], [history.path, 'История страховых случаев']]) {
    await expect(table.locator(`a[href="${path}"]`)).toHaveText(`${label} (PDF)`);
  }
  // «Печать» opens the same PDF in the browser's viewer (inline), to print from there.
  const print = table.getByRole('link', { name: new RegExp(`^Печать: .* ПОЛ-`) });
  await expect(print).toHaveAttribute('href', `${policy.path}?print=1`);
  const printed = await page.request.get(`${policy.path}?print=1`);
  expect(printed.headers()['content-type']).toBe('application/pdf');
  expect(printed.headers()['content-disposition']).toMatch(/^inline;/);
  expect((await page.request.get(policy.path)).headers()['content-disposition']).toMatch(/^attachment;/);
  await page.getByLabel('Тип').selectOption('events_history');
  await page.getByRole('button', { name: 'Применить' }).click();
  await expect(page).toHaveURL(/kind=events_history/);
  await expect(table.locator(`a[href="${history.path}"]`)).toBeVisible();
  await expect(table.locator(`a[href="${policy.path}"]`)).toHaveCount(0);

  // The QR's check page: public, type, number and date only.
  const code = policy.text.match(/код ([0-9A-Z]{5}-[0-9A-Z]{5})/);
  expect(code, 'the check code under the QR').not.toBeNull();
  const guest = await (await browser.newContext()).newPage();
  await guest.goto(`/check/${code![1]}`);
  await expect(guest.locator('#check-result')).toContainText('Документ подлинный');
  await expect(guest.locator('#check-kind')).toHaveText('Полис');
  await expect(guest.locator('#check-number')).toHaveText(`ПОЛ-${number}`);
  await expect(guest.locator('main')).not.toContainText('Иванов');
  await guest.context().close();

  // Another citizen: not found, and nothing is made.
  const other = await citizen(browser, 'rep@example.ru');
  const theirs = await other.request.post(`${policyPath}/documents/policy`, { maxRedirects: 0 });
  expect(theirs.status()).toBe(404);
  expect((await other.request.get(policy.path)).status()).toBe(404);
  // And an unknown kind of document is not found either.
  expect((await page.request.post(`${policyPath}/documents/certificate`, { maxRedirects: 0 })).status()).toBe(404);
  await other.context().close();
  await page.context().close();
});

test('staff produce an «Акт осмотра» on a request: the citizen watching sees it at once; the staff page shows the citizen’s comment at once', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await citizen(browser);
  const id = await createRequest(page, 'Оформление выплаты', `Затопило кухню, прошу осмотреть ${Date.now()}`);
  await page.evaluate(() => ((window as any).__noReload = true));
  await expect(page.locator('.live-status.online')).toBeVisible();

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto(`/staff/requests/${id}`);
  await hydrated(staff);
  await expect(staff.locator('.live-status.online')).toBeVisible();
  await staff.evaluate(() => ((window as any).__noReload = true));

  // An act needs its findings.
  await staff.getByLabel('Документ', { exact: true }).selectOption('inspection_act');
  await staff.getByRole('button', { name: 'Подготовить и приложить' }).click();
  await expect(staff.getByText('Опишите, что выявил осмотр')).toBeVisible();
  const findings = 'Следы протечки на потолке кухни площадью около 2 м², вздулся ламинат';
  await staff.getByLabel('Результаты осмотра').fill(findings);
  await staff.getByRole('button', { name: 'Подготовить и приложить' }).click();
  await expect(staff.locator('#produce-done')).toHaveText('Документ «Акт осмотра» подготовлен и приложен к запросу.');
  await expect(staff.locator('#request-documents')).toContainText('Акт осмотра и фиксации повреждений');

  // The citizen's page shows it by itself.
  const act = page.locator('#request-documents a', { hasText: 'Акт осмотра и фиксации повреждений' });
  await expect(act).toBeVisible({ timeout: 2_000 });
  const href = (await act.getAttribute('href'))!;
  const pdf = await page.request.get(href);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  const text = pdfText(await pdf.body());
  expect(text).toContain('Акт осмотра и фиксации повреждений');
  expect(text).toContain('ламинат');
  expect(text).toMatch(/код [0-9A-Z]{5}-[0-9A-Z]{5}/);
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);

  // A «Справка» from the same form.
  await staff.getByLabel('Документ', { exact: true }).selectOption('certificate');
  await staff.getByRole('button', { name: 'Подготовить и приложить' }).click();
  await expect(staff.locator('#produce-done')).toHaveText('Документ «Справка» подготовлен и приложен к запросу.');
  await expect(page.locator('#request-documents')).toContainText('Справка о действии договора страхования', { timeout: 2_000 });

  // The citizen writes; the staff page shows it without a reload.
  const comment = `Осмотр можно повторить в субботу ${Date.now()}`;
  await page.getByLabel('Комментарий').fill(comment);
  await page.getByRole('button', { name: 'Добавить комментарий' }).click();
  await expect(page.getByText('Комментарий добавлен.')).toBeVisible();
  await expect(staff.locator('#thread')).toContainText(comment, { timeout: 2_000 });
  expect(await staff.evaluate(() => (window as any).__noReload)).toBe(true);

  // «Документы» lists the act under its kind.
  await page.goto('/documents?kind=inspection_act');
  await expect(page.locator(`#documents-table a[href="${href}"]`)).toHaveText('Акт осмотра (PDF)');
  await staff.context().close();
  await page.context().close();
});

test('the staff queue shows a new citizen request without a reload', async ({ browser }) => {
  test.setTimeout(90_000);
  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff/requests?status=processing&mine=none');
  await hydrated(staff);
  await expect(staff.locator('.live-status.online')).toBeVisible();
  await staff.evaluate(() => ((window as any).__noReload = true));

  const page = await citizen(browser);
  const id = await createRequest(page, 'Изменение данных', `Сменился адрес регистрации ${Date.now()}`);
  await expect(staff.locator(`a[href="/staff/requests/${id}"]`)).toBeVisible({ timeout: 2_000 });
  expect(await staff.evaluate(() => (window as any).__noReload)).toBe(true);
  await staff.context().close();
  await page.context().close();
});
