import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { bytes, citizenWithFines, hydrated, loginCitizen, loginStaff, moscowInput, pdfText } from './helpers';

/** «12 345,67 ₽» → kopecks. */
function kopecks(text: string): number {
  const digits = text.replace(/[^\d,-]/g, '').replace(',', '.');
  return Math.round(parseFloat(digits) * 100);
}

async function openFirstContribution(page: Page) {
  await page.goto('/contributions');
  await hydrated(page);
  // Follow the row's link by its address: a live update elsewhere (another test's staff charge)
  // may redraw the table under a click.
  const href = await page.locator('tbody td[data-label="Дата начисления"] a').first().getAttribute('href');
  await page.goto(href!);
  await expect(page.getByRole('heading', { name: /^Взнос за / })).toBeVisible();
  await hydrated(page);
}

test('«Скачать PDF» gives a statement whose Cyrillic text, filter and totals read back', async ({ page }) => {
  await loginCitizen(page);
  await page.goto('/contributions?programme=DMS');
  await hydrated(page);
  const total = await page.locator('tfoot').innerText();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Скачать PDF' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^vznosy-\d{4}-\d{2}-\d{2}\.pdf$/);
  const file = await bytes(download);
  expect(file.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const text = pdfText(file);
  expect(text).toContain('Взносы: Иванов Иван Петрович');
  expect(text).toContain('программы: Добровольное медицинское страхование');
  expect(text).toMatch(/Страница 1 из \d+/);
  expect(text).not.toContain('Страхование имущества');
  const count = total.match(/(\d+)\s*шт/);
  expect(count, `the count in «${total}»`).not.toBeNull();
  expect(text).toContain(`Итого (${count![1]} шт.)`);
});

test('print view: only the table and its totals, no navigation, filters or buttons', async ({ page }) => {
  await loginCitizen(page);
  await page.goto('/contributions?from=2026-01-01&to=2026-12-31');
  await hydrated(page);
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('table')).toBeVisible();
  await expect(page.locator('tfoot')).toBeVisible();
  await expect(page.locator('.site-header')).toBeHidden();
  await expect(page.locator('form.filters')).toBeHidden();
  await expect(page.getByRole('link', { name: 'Скачать PDF' })).toBeHidden();
  await expect(page.getByText('Период: с 01.01.2026 по 31.12.2026; программы: все; выписка на')).toBeVisible();
  await page.emulateMedia({ media: 'screen' });
  await expect(page.locator('form.filters')).toBeVisible();
});

test('a reminder set a minute ahead arrives by e-mail and as a notice, live', async ({ page, request }) => {
  test.setTimeout(150_000);
  const me = await loginCitizen(page);
  await openFirstContribution(page);

  // A time in the past is refused with the field named.
  await page.getByLabel('Дата и время напоминания').fill(moscowInput(-60));
  await page.getByRole('button', { name: 'Установить напоминание' }).click();
  await expect(page.locator('#f-remind_at-error')).toContainText('уже прошли');

  const when = moscowInput(1);
  await page.getByLabel('Дата и время напоминания').fill(when);
  await page.getByRole('button', { name: 'Установить напоминание' }).click();
  await expect(page.getByText('Напоминание установлено')).toBeVisible();
  const shown = `${when.slice(8, 10)}.${when.slice(5, 7)}.${when.slice(0, 4)} ${when.slice(11, 16)}`;
  await expect(page.getByText(`${shown} — ожидает`)).toBeVisible();
  await expect(page.locator('.live-status')).toHaveText('На связи');

  // Within the minute (and the job's few seconds) the reminder is sent and the page shows it,
  // without a reload; the header counts the notice (a citizen may have deadline reminders of
  // «Сроки» too, so the count alone proves nothing).
  const link = page.getByRole('link', { name: /Уведомления/ });
  await expect(page.getByText(`${shown} — отправлено`)).toBeVisible({ timeout: 100_000 });
  await expect(link.locator('.count')).toHaveText(/^[1-9]/);

  const outbox = await (await request.get('/dev/outbox')).text();
  expect(outbox).toContain(`data-recipient="${me.email}"`);
  expect(outbox).toContain('Напоминание: взнос от');

  await link.click();
  await expect(page.getByRole('heading', { name: 'Уведомления' })).toBeVisible();
  await expect(page.locator('.notice.unread', { hasText: 'Напоминание: взнос от' })).toBeVisible();
  await page.getByRole('button', { name: /Отметить прочитанными/ }).click();
  await expect(page.locator('.notice.unread')).toHaveCount(0);
  await expect(link.locator('.count')).toBeHidden();
});

test('a charge entered by staff changes the citizen\'s balance in an open browser, without reload', async ({ browser }) => {
  const citizen = await (await browser.newContext()).newPage();
  const me = await loginCitizen(citizen);
  await citizen.goto('/charges');
  await hydrated(citizen);
  await expect(citizen.locator('.live-status')).toHaveText('На связи');
  const toPay = citizen.locator('.balance .card').filter({ hasText: 'К оплате' }).locator('.card-value');
  const before = kopecks(await toPay.innerText());

  // Citizens have no staff area.
  const denied = await citizen.goto('/staff');
  expect(denied!.status()).toBe(404);
  await citizen.goto('/charges');
  await hydrated(citizen);
  await expect(citizen.locator('.live-status')).toHaveText('На связи');
  await citizen.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.getByRole('link', { name: 'Сотруднику' }).click();
  await expect(staff.getByRole('heading', { name: 'Новое начисление' })).toBeVisible();
  await hydrated(staff);
  // A bad amount is named.
  // By his ИНН: every test has an Иванов Иван Петрович of its own.
  await staff.getByLabel('Поиск страхователя').fill(me.inn);
  await expect(staff.locator('#f-policyholder_id option', { hasText: 'Иванов Иван Петрович' })).toHaveCount(1);
  const option = staff.locator('#f-policyholder_id option', { hasText: 'Иванов Иван Петрович' });
  await expect(option).toBeAttached();
  await staff.locator('#f-policyholder_id').selectOption(await option.getAttribute('value'));
  await staff.getByLabel('Тип начисления').selectOption('penalty');
  await staff.getByLabel('Сумма, ₽').fill('0');
  await staff.getByLabel('Основание').fill('Штраф за несвоевременную подачу отчёта');
  await staff.getByRole('button', { name: 'Внести начисление' }).click();
  await expect(staff.locator('#f-amount-error')).toHaveText('Сумма должна быть больше нуля');
  await staff.getByLabel('Сумма, ₽').fill('1 234,56');
  await staff.getByRole('button', { name: 'Внести начисление' }).click();
  await expect(staff.getByText('Начисление внесено')).toBeVisible();

  await expect.poll(async () => kopecks(await toPay.innerText()), { timeout: 5_000 }).toBe(before + 123_456);
  // The same page, not a reload.
  expect(await citizen.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  await expect(citizen.locator('tbody td[data-label="Основание"]', { hasText: 'Штраф за несвоевременную подачу отчёта' })).toBeVisible();
});

test('a contribution sheet links its «Извещение на оплату» as a PDF with the requisites', async ({ page }) => {
  await loginCitizen(page);
  await openFirstContribution(page);
  const kbk = (await page.locator('.facts div', { hasText: 'КБК' }).locator('dd').innerText()).trim();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Извещение на оплату (PDF)' }).click(),
  ]);
  const text = pdfText(await bytes(download));
  expect(text).toContain('Извещение на оплату взноса за');
  expect(text).toContain(kbk);
  expect(text).toContain('К оплате');
});

test('«Начисления» «Скачать PDF» gives exactly the citizen\'s charges with their total', async ({ browser }) => {
  const { page } = await citizenWithFines(browser, ['1 000,00', '2 000,50']);
  await page.goto('/charges');
  await hydrated(page);
  await expect(page.locator('tbody tr')).toHaveCount(2);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Скачать PDF' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^nachisleniya-\d{4}-\d{2}-\d{2}\.pdf$/);
  const text = pdfText(await bytes(download));
  expect(text).toMatch(/Начисления: Оплатов\S+ Пётр Ильич/);
  expect(text).toContain('Штраф за просрочку отчёта № 1');
  expect(text).toContain('Штраф за просрочку отчёта № 2');
  expect(text).toMatch(/Итого \(2 шт\.\)\s+3 000,50/);
  await page.context().close();
});

test('a reminder is deleted with «Удалить» and stays deleted', async ({ page }) => {
  await loginCitizen(page);
  await openFirstContribution(page);
  // A time of its own, days ahead, so no other test's reminder is taken for this one.
  const when = moscowInput(3 * 24 * 60 + Math.floor(Math.random() * 600));
  await page.getByLabel('Дата и время напоминания').fill(when);
  await page.getByRole('button', { name: 'Установить напоминание' }).click();
  await expect(page.getByText('Напоминание установлено')).toBeVisible();
  const shown = `${when.slice(8, 10)}.${when.slice(5, 7)}.${when.slice(0, 4)} ${when.slice(11, 16)}`;
  await expect(page.getByText(`${shown} — ожидает`)).toBeVisible();
  await page.getByRole('button', { name: `Удалить напоминание на ${shown}` }).click();
  await expect(page.getByText(`${shown} — ожидает`)).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Напоминания' })).toBeVisible();
  await expect(page.getByText(`${shown} — ожидает`)).toHaveCount(0);
});
