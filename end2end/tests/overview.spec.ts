import { expect, test } from './fixtures';
import { enterCode, hydrated, lastCode, loginCitizen, newPerson, register } from './helpers';

/** «12 345,67 ₽» → kopecks. */
function kopecks(text: string): number {
  return Math.round(parseFloat(text.replace(/[^\d,-]/g, '').replace(',', '.')) * 100);
}

test('«Обзор» sums up what the other pages show: policies in force, the debt as accrued less paid, the next payment', async ({ page }) => {
  await loginCitizen(page);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Обзор' })).toBeVisible();
  await expect(page.locator('p.lead')).toHaveText('Вы действуете от имени: Иванов Иван Петрович (Физическое лицо)');
  const card = (label: string) => page.locator('.card').filter({ has: page.locator('.card-label', { hasText: label }) });

  const policies = card('Действующие полисы');
  const inForce = Number(await policies.locator('.card-value').innerText());
  const all = Number((await policies.locator('.card-note').innerText()).match(/всего полисов: (\d+)/)![1]);

  const debt = card('Задолженность по взносам');
  const owed = kopecks(await debt.locator('.card-value').innerText());
  const note = await debt.locator('.card-note').innerText();
  const [, accrued, paid] = note.match(/начислено (.+?\s₽), уплачено (.+?\s₽)/)!;
  expect(owed, `the debt is «${note}»: accrued less paid`).toBe(kopecks(accrued) - kopecks(paid));
  expect(owed).toBeGreaterThan(0);
  await expect(card('Ближайший платёж').locator('.card-note')).toHaveText(/^срок \d{2}\.\d{2}\.\d{4} · \S/);

  // The policy card leads to the list, whose rows agree with it.
  await policies.click();
  await expect(page).toHaveURL(/\/policies$/);
  await expect(page.locator('tbody tr')).toHaveCount(all);
  await expect(page.locator('tbody tr', { hasText: 'Действует' })).toHaveCount(inForce);
  // The debt card leads to the debts to pay.
  await page.goBack();
  await hydrated(page);
  await debt.click();
  await expect(page).toHaveURL(/\/debts$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Задолженности' })).toBeVisible();
});

test('«Обзор» of a person just registered: himself, nothing in force, no debt', async ({ page }) => {
  const person = newPerson('Пустов Павел Павлович');
  await register(page, person);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);
  await page.goto('/');
  await hydrated(page);
  await expect(page.locator('p.lead')).toHaveText('Вы действуете от имени: Пустов Павел Павлович (Физическое лицо)');
  const card = (label: string) => page.locator('.card').filter({ has: page.locator('.card-label', { hasText: label }) });
  await expect(card('Действующие полисы').locator('.card-value')).toHaveText('0');
  await expect(card('Действующие полисы').locator('.card-note')).toHaveText('всего полисов: 0');
  await expect(card('Задолженность по взносам').locator('.card-value')).toHaveText(/^0,00\s₽$/);
  await expect(card('Ближайший платёж').locator('.card-note')).toHaveText('долгов нет');
});
