import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { randomInt } from 'node:crypto';
import { hydrated, login, loginCitizen, loginStaff } from './helpers';

/** Text nobody else in the run types, to find this test's draft. */
function unique(prefix: string): string {
  return `${prefix} ${randomInt(1_000_000_000)}`;
}

/** Yesterday at 10:00, as a datetime-local input takes it. */
function yesterday(): string {
  return `${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}T10:00`;
}

/** A 20-digit account whose key against the БИК fits (or, with `fits` false, does not). */
function account(bik: string, first19: string, fits: boolean): string {
  const prefix = bik.slice(6) === '000' ? `0${bik.slice(4, 6)}` : bik.slice(6);
  for (let k = 0; k < 10; k++) {
    const digits = `${prefix}${first19}${k}`;
    const sum = [...digits].reduce((s, d, i) => s + ((Number(d) * [7, 1, 3][i % 3]) % 10), 0);
    if ((sum % 10 === 0) === fits) return `${first19}${k}`;
  }
  throw new Error('no account');
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** Attaches a PDF through the form's file field `label` and waits until it is uploaded. */
async function attach(page: Page, label: string, name: string) {
  await page.getByLabel(label, { exact: true }).setInputFiles({ name, mimeType: 'application/pdf', buffer: PDF });
  await expect(page.locator('.file-line', { hasText: name }).locator('.file-ok')).toBeVisible();
}

async function openEventForm(page: Page) {
  await page.goto('/reports/new/event');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Отчёт о страховом случае' })).toBeVisible();
  await page.getByLabel('Полис').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByRole('heading', { name: /Шаг 2 из 4/ })).toBeVisible();
}

/** Fills the insured event form to its review step, with a photo of the damage `photo`. */
async function fillEvent(page: Page, place: string, damage: string, photo = 'фото повреждений.pdf') {
  await openEventForm(page);
  await page.getByLabel('Дата и время события').fill(yesterday());
  await page.getByLabel('Место события').fill(place);
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.getByLabel('Что произошло').fill('Затопление помещения из-за прорыва трубы');
  await page.getByLabel('Причина ущерба').fill('Прорыв трубы');
  await page.getByLabel('Оценка ущерба, ₽').fill(damage);
  await attach(page, 'Документы об ущербе', photo);
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByRole('heading', { name: /Шаг 4 из 4: Проверка/ })).toBeVisible();
}

test('a partly filled report is kept as a draft across a reload', async ({ page }) => {
  await loginCitizen(page);
  await openEventForm(page);
  const place = unique('Склад №');
  const saved = page.waitForResponse((r) => r.url().includes('/api/reports/save') && r.ok()
    && (r.request().postData() ?? '').includes(place));
  await page.getByLabel('Место события').fill(place);
  await saved;
  await expect(page.getByText(/Черновик сохранён в/)).toBeVisible();
  await expect(page).toHaveURL(/\/reports\/new\/event\?draft=[0-9a-f]{32}$/);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Полис')).not.toHaveValue('');
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByLabel('Место события')).toHaveValue(place);
  // «Черновики» lists it.
  await page.goto('/reports');
  await hydrated(page);
  await expect(page.locator('#drafts-table')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Продолжить: Отчёт о страховом случае' }).first()).toBeVisible();
});

test('typing and leaving at once for «Отчётность» still saves the draft, and nothing breaks', async ({ page }) => {
  await loginCitizen(page);
  await openEventForm(page);
  // A first autosave gives the draft its address.
  await page.getByLabel('Дата и время события').fill(yesterday());
  await expect(page).toHaveURL(/\/reports\/new\/event\?draft=[0-9a-f]{32}$/);
  const draft = page.url();
  // Then a field typed and the page left well within the 0.7 s the autosave waits.
  const place = unique('Ангар №');
  const saved = page.waitForResponse((r) => r.url().includes('/api/reports/save') && r.ok()
    && (r.request().postData() ?? '').includes(place));
  await page.getByLabel('Место события').fill(place);
  await page.getByRole('navigation', { name: 'Разделы кабинета' }).getByRole('link', { name: 'Отчётность' }).click();
  await saved;
  await expect(page).toHaveURL(/\/reports$/);
  await expect(page.locator('body')).not.toHaveAttribute('data-panic');
  // The last edit is in the draft.
  await page.goto(draft);
  await hydrated(page);
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByLabel('Место события')).toHaveValue(place);
});

test('a wrong field is named as it is left and on «Далее»', async ({ page }) => {
  await loginCitizen(page);
  await openEventForm(page);
  const when = page.getByLabel('Дата и время события');
  await when.fill('2099-01-01T10:00');
  await page.getByLabel('Место события').focus();
  await expect(when).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Дата и время события не могут быть позже текущего момента')).toBeVisible();

  // Payout: an account whose key does not fit the БИК is refused with the field named.
  await page.goto('/reports/new/payout');
  await hydrated(page);
  await page.getByLabel('Полис').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.getByLabel('Получатель: ФИО или название организации').fill('Иванов Иван Петрович');
  await page.getByLabel('ИНН получателя').fill('500100732258');
  await page.getByLabel('Банк', { exact: true }).fill('ПАО Сбербанк');
  await page.getByLabel('БИК').fill('044525225');
  await page.getByLabel('Расчётный счёт').fill(account('044525225', '4081781009999000001', false));
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByRole('heading', { name: /Шаг 2 из 4/ })).toBeVisible();
  await expect(page.getByLabel('ИНН получателя')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('ИНН введён с ошибкой: не сходятся контрольные цифры')).toBeVisible();
  await expect(page.getByLabel('Расчётный счёт')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText(/Номер счёта не сходится с БИК/)).toBeVisible();
});

test('a report the server rejects shows its log, is corrected, resubmitted and accepted', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await loginCitizen(page);
  const photo = `${unique('фото')}.pdf`;
  await fillEvent(page, unique('Офис'), '9 000 000 000', photo);
  // The review step lists the file that will go with the report.
  await expect(page.locator('#summary-files')).toContainText(photo);
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f]{32}$/);
  await expect(page.locator('.report-status [data-status="error"]')).toHaveText('Ошибка');
  const log = page.locator('table.check-log');
  await expect(log).toContainText('Оценка ущерба');
  await expect(log).toContainText('не может превышать страховую сумму');
  await expect(log).toContainText(/ERR-[0-9A-F]{10}/);
  const number = (await page.getByRole('heading', { level: 1 }).textContent())!.match(/ОТЧ-\d{4}-\d{6}/)![0];

  // The report page lists the file with a link that downloads it.
  const link = page.locator('#summary-files').getByRole('link', { name: photo });
  await expect(link).toBeVisible();
  const file = await page.request.get((await link.getAttribute('href'))!);
  expect(file.status()).toBe(200);
  expect(await file.body()).toEqual(PDF);

  await page.getByRole('link', { name: 'Исправить' }).click();
  await hydrated(page);
  await expect(page.getByText(`Отчёт ${number} вернулся с ошибками`)).toBeVisible();
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.getByRole('button', { name: 'Далее' }).click();
  const damage = page.getByLabel('Оценка ущерба, ₽');
  await expect(damage).toHaveAttribute('aria-invalid', 'true');
  await damage.fill('1 000');
  // The correction accepts an updated file: the act replaces nothing, it is added.
  await expect(page.locator('.file-line', { hasText: photo })).toBeVisible();
  const act = `${unique('акт')}.pdf`;
  await attach(page, 'Документы об ущербе', act);
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.locator('#summary-files')).toContainText(act);
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page.locator('.report-status [data-status="review"]')).toHaveText('На проверке');
  await expect(page.getByText('Версия 2 — отправлена')).toBeVisible();
  await expect(page.getByText('Версия 1 — отправлена')).toBeVisible();
  // Every version keeps the files it was sent with.
  await expect(page.locator('.versions li', { hasText: 'Версия 2' })).toContainText(act);
  await expect(page.locator('.versions li', { hasText: 'Версия 1' })).not.toContainText(act);
  const url = page.url();

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff/reports');
  await hydrated(staff);
  await staff.getByRole('link', { name: number }).click();
  await hydrated(staff);
  // Staff see both files and can open them.
  const staffFiles = staff.locator('#summary-files');
  await expect(staffFiles.getByRole('link', { name: photo })).toBeVisible();
  const staffAct = staffFiles.getByRole('link', { name: act });
  expect((await staff.request.get((await staffAct.getAttribute('href'))!)).status()).toBe(200);
  await staff.getByLabel('Комментарий').fill('Проверено');
  await staff.getByRole('button', { name: 'Принять' }).click();
  await expect(staff.locator('.report-status [data-status="done"]')).toHaveText('Завершено');
  await staff.context().close();

  await page.goto(url);
  await expect(page.locator('.report-status [data-status="done"]')).toHaveText('Завершено');
  await page.goto('/reports');
  await expect(page.locator('#reports-table tr', { hasText: number })).toContainText('Завершено');
});

test('staff return a report with a comment, and the citizen sees it with «Исправить»', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await loginCitizen(page);
  await fillEvent(page, unique('Цех'), '1 000');
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f]{32}$/);
  await expect(page.locator('.report-status [data-status="review"]')).toHaveText('На проверке');
  const number = (await page.getByRole('heading', { level: 1 }).textContent())!.match(/ОТЧ-\d{4}-\d{6}/)![0];

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff/reports');
  await hydrated(staff);
  await staff.getByRole('link', { name: number }).click();
  await hydrated(staff);
  const comment = unique('Приложите акт осмотра, проверка');
  await staff.getByLabel('Комментарий').fill(comment);
  await staff.getByRole('button', { name: 'Вернуть с ошибками' }).click();
  await expect(staff.locator('.report-status [data-status="error"]')).toHaveText('Ошибка');
  await staff.context().close();

  await page.reload();
  await hydrated(page);
  await expect(page.locator('.report-status [data-status="error"]')).toHaveText('Ошибка');
  await expect(page.getByText(`Комментарий сотрудника: ${comment}`)).toBeVisible();
  await expect(page.locator('table.check-log')).toContainText(`${comment} (замечание сотрудника)`);
  await expect(page.getByRole('link', { name: 'Исправить' })).toBeVisible();
});

test('double-clicking «Отправить» makes one report', async ({ page }) => {
  // The representative: no other test sends reports as her, so the count is hers alone.
  await login(page, 'rep@example.ru');
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/reports');
  await hydrated(page);
  const rows = page.locator('#reports-table tbody tr');
  const before = await rows.count();
  await fillEvent(page, unique('Цех'), '5 000');
  await page.getByRole('button', { name: 'Отправить' }).dblclick();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f]{32}$/);
  await expect(page.locator('.report-status [data-status="review"]')).toBeVisible();
  await page.goto('/reports');
  await hydrated(page);
  await expect(rows).toHaveCount(before + 1);
});

/** Picks the first policy whose insured events the works form offers. */
async function policyWithEvents(page: Page): Promise<void> {
  const policies = await page.locator('#f-policy_id option').count();
  for (let i = 1; i < policies; i++) {
    const chosen = await page.locator('#f-policy_id option').nth(i).getAttribute('value');
    await page.getByLabel('Полис').selectOption({ index: i });
    // The events list says whose events it shows once it has followed the change.
    await expect(page.locator(`.events-of[data-policy="${chosen}"]`)).toBeAttached();
    if (await page.locator('#f-event_id option').count() > 1) return;
    await expect(page.locator('#no-events')).toBeVisible();
  }
  throw new Error('no policy with insured events');
}

test('works: rows added and removed, the total computed, an invoice required and attached', async ({ page }) => {
  test.setTimeout(60_000);
  await loginCitizen(page);
  await page.goto('/reports/new/works');
  await hydrated(page);
  await policyWithEvents(page);
  await page.getByLabel('Страховой случай').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByRole('heading', { name: /Шаг 2 из 3: Работы/ })).toBeVisible();
  const total = page.locator('#works-total');
  await page.getByLabel('Наименование работы, строка 1').fill('Покраска стен');
  await page.getByLabel('Количество, строка 1').fill('12,5');
  await page.getByLabel('Цена за единицу, строка 1').fill('350');
  await expect(total).toHaveText(/^4\s375,00/);
  await page.getByRole('button', { name: 'Добавить работу' }).click();
  await page.getByLabel('Наименование работы, строка 2').fill('Замена трубы');
  await page.getByLabel('Количество, строка 2').fill('1');
  await page.getByLabel('Цена за единицу, строка 2').fill('4 200,50');
  await expect(total).toHaveText(/^8\s575,50/);
  // A third row, then removed: the total does not change.
  await page.getByRole('button', { name: 'Добавить работу' }).click();
  await page.getByLabel('Количество, строка 3').fill('2');
  await page.getByRole('button', { name: 'Удалить строку 3' }).click();
  await expect(page.getByLabel('Количество, строка 3')).toHaveCount(0);
  await expect(total).toHaveText(/^8\s575,50/);
  // Removing the first row leaves the second as the first.
  await page.getByRole('button', { name: 'Удалить строку 1' }).click();
  await expect(page.getByLabel('Наименование работы, строка 1')).toHaveValue('Замена трубы');
  await expect(total).toHaveText(/^4\s200,50/);
  // Without an invoice «Далее» names the field.
  await page.getByRole('button', { name: 'Далее' }).click();
  const invoices = page.getByLabel('Счета-фактуры', { exact: true });
  await expect(invoices).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Прикрепите счета-фактуры на выполненные работы')).toBeVisible();
  const invoice = `${unique('счёт-фактура')}.pdf`;
  await attach(page, 'Счета-фактуры', invoice);
  await expect(invoices).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByRole('heading', { name: /Шаг 3 из 3: Проверка/ })).toBeVisible();
  await expect(page.locator('#summary-files')).toContainText(invoice);
  await expect(page.locator('.pay-sum')).toContainText(/4\s200,50/);
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f]{32}$/);
  await expect(page.locator('.report-status [data-status="review"]')).toHaveText('На проверке');
  await expect(page.locator('#summary-files').getByRole('link', { name: invoice })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Замена трубы' })).toBeVisible();
});

test('recalculation: a new rate with its grounds and a supporting document', async ({ page }) => {
  await loginCitizen(page);
  await page.goto('/reports/new/recalc');
  await hydrated(page);
  await page.getByLabel('Полис').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Далее' }).click();
  const rate = page.getByLabel('Новая ставка, %');
  await rate.fill('2,355');
  await page.getByLabel('Действует с').focus();
  await expect(page.getByText(/не больше двух знаков после запятой/)).toBeVisible();
  await rate.fill('2,35');
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel('Действует с').fill(today);
  await page.getByLabel('Действует по').fill(today);
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.getByLabel('Основания пересчёта').fill('Изменение класса профессионального риска');
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByText('Прикрепите документы, подтверждающие основания пересчёта')).toBeVisible();
  const doc = `${unique('уведомление')}.pdf`;
  await attach(page, 'Подтверждающие документы', doc);
  await page.getByRole('button', { name: 'Далее' }).click();
  await expect(page.getByRole('heading', { name: /Проверка/ })).toBeVisible();
  await expect(page.locator('.summary')).toContainText('2,35 %');
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f]{32}$/);
  await expect(page.locator('.report-status [data-status]')).toBeVisible();
  await expect(page.locator('#summary-files').getByRole('link', { name: doc })).toBeVisible();
});
