import { expect, test } from './fixtures';
import { randomInt } from 'node:crypto';
import { hydrated, loginCitizen, loginStaff } from './helpers';

test('«Сроки»: coming deadlines, a missed one extended by staff, and the iCal feed', async ({ page, browser }) => {
  test.setTimeout(60_000);
  await loginCitizen(page);
  await page.goto('/deadlines');
  await hydrated(page);
  const table = page.locator('#deadlines-table');
  await expect(table).toContainText('Квартальный отчёт за');
  // The demo's insured event registered 11 days ago: its 5-working-day claim deadline has passed.
  await expect(table.locator('tr', { hasText: 'Заявление о выплате по страховому случаю' }).first())
    .toContainText('Срок прошёл');

  // A draft «Отчёт о страховом случае» of an event three days ago owes its 24-hour notice: missed.
  // The event's time is this attempt's own, so the row is too (a retry makes another).
  const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
  const time = `${String(randomInt(8, 20)).padStart(2, '0')}:${String(randomInt(60)).padStart(2, '0')}`;
  const place = `Склад № ${randomInt(1_000_000_000)}`;
  await page.goto('/reports/new/event');
  await hydrated(page);
  await page.getByLabel('Полис').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.getByLabel('Дата и время события').fill(`${day}T${time}`);
  const saved = page.waitForResponse((r) => r.url().includes('/api/reports/save') && r.ok()
    && (r.request().postData() ?? '').includes(place));
  await page.getByLabel('Место события').fill(place);
  await saved;
  await expect(page.getByText(/Черновик сохранён в/)).toBeVisible();

  await page.goto('/deadlines');
  await hydrated(page);
  const shown = `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)} ${time}`;
  const missed = table.locator('tr', { hasText: `Отправить отчёт о страховом случае от ${shown} (черновик)` });
  await expect(missed).toContainText('Срок прошёл');
  await missed.getByRole('button', { name: 'Запросить продление' }).click();
  const reasons = missed.getByLabel('Причины пропуска срока');
  await reasons.fill('болел');
  await missed.getByRole('button', { name: 'Отправить запрос' }).click();
  await expect(reasons).toHaveAttribute('aria-invalid', 'true');
  await expect(missed.getByText('Причины: не меньше 10 символов')).toBeVisible();
  await reasons.fill('Был в больнице, справка прилагается');
  // The documents go with the reasons.
  const note = `больничный ${Date.now()}.pdf`;
  await missed.getByLabel('Подтверждающие документы', { exact: true }).setInputFiles({
    name: note, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  });
  await expect(missed.locator('.file-line', { hasText: note }).locator('.file-ok')).toBeVisible();
  await missed.getByRole('button', { name: 'Отправить запрос' }).click();
  await expect(missed).toContainText('Запрос на рассмотрении');
  const number = (await missed.textContent())!.match(/ПРД-\d{4}-[0-9A-F]{8}/)![0];

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff/reports');
  await hydrated(staff);
  const item = staff.locator('li', { hasText: number });
  // Staff see the documents when they decide, and can open them.
  const doc = item.getByRole('link', { name: note });
  await expect(doc).toBeVisible();
  expect((await staff.request.get((await doc.getAttribute('href'))!)).status()).toBe(200);
  const due = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  await item.getByLabel('Новый срок').fill(due);
  await item.getByRole('button', { name: 'Продлить' }).click();
  await expect(item).toContainText('Продление одобрено');
  await staff.context().close();

  await page.reload();
  await hydrated(page);
  const row = table.locator('tr', { hasText: number });
  await expect(row).toContainText('Продление одобрено');
  await expect(row).toContainText('новый срок');

  // «Получить ссылку…» the first time; a retry of this test finds the feed and makes a new link.
  await page.getByRole('button', { name: /^(Получить ссылку для календаря|Создать новую ссылку)$/ }).click();
  const link = page.getByLabel('Ссылка на календарь');
  await expect(link).toHaveValue(/\/calendar\/[0-9a-f]{64}\.ics$/);
  const ics = await (await page.request.get(await link.inputValue())).text();
  expect(ics).toContain('BEGIN:VCALENDAR');
  expect(ics).toContain('SUMMARY:Квартальный отчёт за');
  expect((await page.request.get('/calendar/0000.ics')).status()).toBe(404);
});
