import { expect, test } from './fixtures';
import { citizen, hydrated, login, loginCitizen, loginStaff, newCitizen } from './helpers';

test('«Доверенности»: a citizen grants a broker pay-only access to one policy, the broker accepts and sees only it, the citizen revokes and the broker’s open page loses it at once', async ({ browser }) => {
  test.setTimeout(120_000);
  const owner = await citizen(browser);
  const broker = await (await browser.newContext()).newPage();
  const who = await newCitizen(broker.request);
  await login(broker, who.email);
  await expect(broker).toHaveURL(/\/$/);

  // The owner's form: bad fields are named, and a right that needs every policy is refused for one.
  await owner.getByRole('link', { name: 'Доверенности' }).click();
  await expect(owner.getByRole('heading', { name: 'Доверенности', level: 1 })).toBeVisible();
  await hydrated(owner);
  await expect(owner.getByRole('heading', { name: /^Кто имеет доступ к/ })).toBeVisible();
  await expect(owner.getByText('Кроме вас — никто.')).toBeVisible();
  await owner.getByRole('button', { name: 'Выдать доступ' }).click();
  await expect(owner.locator('#f-full_name-error')).not.toBeEmpty();
  await expect(owner.locator('#f-basis-error')).toContainText('Укажите основание');
  await owner.getByLabel('ФИО получателя').fill('Брокеров Борис Борисович');
  await owner.getByLabel('СНИЛС или ИНН получателя').fill(who.inn);
  await owner.getByLabel('Электронная почта или телефон получателя').fill(who.email);
  await owner.getByLabel('Агент / брокер').check();
  await owner.getByLabel('Подавать отчёты и запросы').check();
  await owner.getByLabel('Оплачивать задолженности').check();
  await owner.getByLabel('Только отмеченные').check();
  const first = owner.locator('input[name="policies"]').first();
  const number = ((await first.locator('..').textContent()) ?? '').split(' — ')[0].trim();
  expect(number).not.toBe('');
  await first.check();
  await owner.getByLabel('Основание').fill('Агентский договор № 15 от 01.12.2026');
  await owner.getByRole('button', { name: 'Выдать доступ' }).click();
  await expect(owner.locator('#f-policies-error')).toContainText('только с доступом ко всем полисам');
  await expect(owner.getByLabel('ФИО получателя')).toHaveValue('Брокеров Борис Борисович');
  await owner.getByLabel('Подавать отчёты и запросы').uncheck();
  await owner.getByRole('button', { name: 'Выдать доступ' }).click();
  await expect(owner.getByRole('status').filter({ hasText: 'Приглашение отправлено' })).toBeVisible();
  const line = owner.locator('.grant', { hasText: 'Брокеров Борис Борисович' });
  await expect(line).toContainText('Ожидает принятия');
  await expect(line).toContainText('просмотр, оплата');
  await expect(line).toContainText(number);
  await expect(owner.getByLabel('ФИО получателя')).toHaveValue('');

  // The broker: nothing shared until accepted.
  await broker.goto('/proxies');
  await hydrated(broker);
  await expect(broker.getByRole('heading', { name: 'Вам выдан доступ' })).toBeVisible();
  await broker.getByRole('button', { name: /^Принять доступ к/ }).click();
  const held = broker.locator('section', { has: broker.getByRole('heading', { name: 'Вы действуете от имени' }) });
  await expect(held.locator('.grant', { hasText: 'Агент / брокер' })).toContainText('Действует');
  await expect(broker.getByRole('heading', { name: 'Вам выдан доступ' })).toHaveCount(0);
  await expect(owner.locator('.grant', { hasText: 'Брокеров Борис Борисович' })).toContainText('Действует', { timeout: 15_000 });

  // Acting for the owner, the broker sees the one policy; reports need more than that.
  await broker.getByLabel('Действую от имени').selectOption({ label: 'Иванов Иван Петрович — Агент / брокер' });
  await expect(broker.locator('.who-basis')).toHaveText('Агент / брокер · Агентский договор № 15 от 01.12.2026 · бессрочно');
  await broker.getByRole('link', { name: 'Мои полисы' }).click();
  await expect(broker.getByRole('heading', { name: /полисы/i, level: 1 })).toBeVisible();
  await expect(broker.locator('tbody tr')).toHaveCount(1);
  await expect(broker.locator('tbody tr')).toContainText(number);
  await expect(broker.getByRole('link', { name: 'Отчётность' })).toHaveCount(0);
  await expect(broker.getByRole('link', { name: 'Документы' })).toHaveCount(0);
  await broker.getByRole('link', { name: 'Задолженности' }).click();
  await expect(broker.getByRole('heading', { name: 'Задолженности' })).toBeVisible();
  await expect(broker.getByRole('link', { name: /^Оплатить всё/ })).toBeVisible();
  await broker.goto('/reports');
  await expect(broker.getByText('Такой записи нет или у вас нет к ней доступа.')).toBeVisible();
  await broker.goto('/policies');
  await expect(broker.locator('tbody tr')).toHaveCount(1);
  await hydrated(broker);
  await broker.evaluate(() => ((window as unknown as { before: number }).before = 1));

  // The owner revokes; the broker's open page reloads to what he may see now: his own policies.
  await owner.getByRole('button', { name: 'Отозвать доступ у Брокеров Борис Борисович' }).click();
  await expect(owner.locator('.grant', { hasText: 'Брокеров Борис Борисович' })).toContainText('Отозвана');
  await expect
    // While the page reloads its context is gone for a moment: that is "not yet", not an error.
    .poll(() => broker.evaluate(() => (window as unknown as { before?: number }).before ?? 0).catch(() => 1), { timeout: 15_000 })
    .toBe(0);
  await expect(broker.locator('tbody tr')).toHaveCount(3);
  await expect(broker.getByLabel('Действую от имени')).not.toContainText('Агент / брокер');
  await broker.goto('/proxies');
  await expect(broker.locator('.grant', { hasText: 'Агент / брокер' })).toContainText('Отозвана');
});

/** A МЧД in the unified format EMCHD_1 from the person with ИНН `principal` to the one with ИНН `rep`. */
function mchd(principal: string, rep: string, issued: string, to: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Доверенность ВерсФорм="EMCHD_1" ПрЭлФорм="00000000">
  <Документ ВидДовер="1">
    <СвДов НомДовер="5d0e6f1a-2b3c-4d5e-8f90-123456789abc" ДатаВыдДовер="${issued}" СрокДейст="${to}"/>
    <СвДоверит ТипДоверит="4"><Доверит><ФЛ><СведФЛ ИННФЛ="${principal}"><ФИО Фамилия="Иванов" Имя="Иван" Отчество="Петрович"/></СведФЛ></ФЛ></Доверит></СвДоверит>
    <СвУпПред ТипПред="1"><Пред><СведФизЛ ИННФЛ="${rep}"><СведФЛ><ФИО Фамилия="Доверенная" Имя="Дарья" Отчество="Олеговна"/></СведФЛ></СведФизЛ></Пред></СвУпПред>
    <СвПолн ТипПолн="0"><МашПолн КодПолн="PAY" НаимПолн="Оплата страховых взносов"/></СвПолн>
  </Документ>
</Доверенность>`;
}

const iso = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const ru = (isoDate: string) => isoDate.split('-').reverse().join('.');

test('«Доверенности»: a МЧД file fills the grant form; one from another principal, or not a МЧД, is refused with the reason and the form keeps what it had', async ({ page }) => {
  const { inn } = await loginCitizen(page);
  const rep = await newCitizen(page.request);
  await page.goto('/proxies');
  await hydrated(page);
  const file = page.getByLabel('Машиночитаемая доверенность (МЧД), если она есть');
  const [issued, to] = [iso(-30), iso(365)];
  await file.setInputFiles({ name: 'mchd.xml', mimeType: 'application/xml', buffer: Buffer.from(mchd(inn, rep.inn, issued, to)) });
  const basis = `МЧД № 5d0e6f1a-2b3c-4d5e-8f90-123456789abc от ${ru(issued)} до ${ru(to)}`;
  await expect(page.getByRole('status').filter({ hasText: 'Прочитана' })).toContainText(`Прочитана ${basis}. Доверитель: Иванов Иван Петрович, ИНН ${inn}.`);
  await expect(page.getByRole('status').filter({ hasText: 'Полномочия' })).toContainText('Полномочия: Оплата страховых взносов (PAY).');
  await expect(page.getByLabel('ФИО получателя')).toHaveValue('Доверенная Дарья Олеговна');
  await expect(page.getByLabel('СНИЛС или ИНН получателя')).toHaveValue(rep.inn);
  await expect(page.getByLabel('Действует по')).toHaveValue(to);
  await expect(page.getByLabel('Основание')).toHaveValue(basis);

  // Another principal's МЧД: refused, naming both ИНН; the form keeps what the first one filled.
  const other = await newCitizen(page.request);
  await file.setInputFiles({ name: 'other.xml', mimeType: 'application/xml', buffer: Buffer.from(mchd(other.inn, rep.inn, issued, to)) });
  await expect(page.locator('#f-mchd-error')).toHaveText(`Доверенность выдана не этим страхователем: в ней ИНН доверителя ${other.inn}, у страхователя ${inn}`);
  await expect(page.getByLabel('ФИО получателя')).toHaveValue('Доверенная Дарья Олеговна');
  // An expired one, and a file that is no МЧД at all.
  await file.setInputFiles({ name: 'old.xml', mimeType: 'application/xml', buffer: Buffer.from(mchd(inn, rep.inn, iso(-400), iso(-1))) });
  await expect(page.locator('#f-mchd-error')).toHaveText(`Срок действия доверенности истёк ${ru(iso(-1))}`);
  await file.setInputFiles({ name: 'invoice.xml', mimeType: 'application/xml', buffer: Buffer.from('<Файл ИдФайл="ON_NSCHFDOPPR"/>') });
  await expect(page.locator('#f-mchd-error')).toContainText('документ начинается с «Файл», а не с «Доверенность»');

  // The filled form goes out as a grant with the МЧД as its basis.
  await file.setInputFiles({ name: 'mchd.xml', mimeType: 'application/xml', buffer: Buffer.from(mchd(inn, rep.inn, issued, to)) });
  await expect(page.locator('#f-mchd-error')).toBeEmpty();
  await page.getByLabel('Электронная почта или телефон получателя').fill(rep.email);
  await page.getByLabel('Оплачивать задолженности').check();
  await page.getByRole('button', { name: 'Выдать доступ' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Приглашение отправлено' })).toBeVisible();
  await expect(page.locator('.grant', { hasText: 'Доверенная Дарья Олеговна' })).toContainText(basis);
});

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

test('«Проверка полномочий»: a notarised доверенность needs its scan, takes effect only once staff confirm it, and the trusted person’s open page follows', async ({ browser }) => {
  test.setTimeout(120_000);
  const owner = await citizen(browser);
  const trusted = await (await browser.newContext()).newPage();
  const who = await newCitizen(trusted.request);
  await login(trusted, who.email);
  await expect(trusted).toHaveURL(/\/$/);
  const name = 'Нотариусова Надежда Николаевна';

  await owner.goto('/proxies');
  await hydrated(owner);
  await owner.getByLabel('ФИО получателя').fill(name);
  await owner.getByLabel('СНИЛС или ИНН получателя').fill(who.inn);
  await owner.getByLabel('Электронная почта или телефон получателя').fill(who.email);
  await owner.getByLabel('Доверенное лицо').check();
  await owner.getByLabel('Доверенность удостоверена нотариусом').check();
  await expect(owner.locator('#f-check-note')).toContainText('после того, как сотрудник страховщика проверит основание');
  await owner.getByLabel('Основание', { exact: true }).fill('Доверенность 77 АА 1234567 от 01.12.2026, нотариус Петрова');
  await owner.getByRole('button', { name: 'Выдать доступ' }).click();
  await expect(owner.locator('#f-files-error')).toContainText('Приложите скан основания');
  await owner.getByLabel('Скан основания').setInputFiles({ name: 'доверенность.pdf', mimeType: 'application/pdf', buffer: PDF });
  await expect(owner.locator('.file-line', { hasText: 'доверенность.pdf' }).locator('.file-ok')).toBeVisible();
  await owner.getByRole('button', { name: 'Выдать доступ' }).click();
  await expect(owner.getByRole('status').filter({ hasText: 'Приглашение отправлено' })).toContainText('и сотрудник страховщика проверит основание');
  const line = owner.locator('.grant', { hasText: name });
  await expect(line).toContainText('Ожидает принятия');
  await expect(line).toContainText('ждёт проверки сотрудником страховщика');
  await expect(line.getByRole('link', { name: 'доверенность.pdf' })).toBeVisible();

  // Accepted, but nothing is shared before the check.
  await trusted.goto('/proxies');
  await hydrated(trusted);
  await trusted.getByRole('button', { name: /^Принять доступ к/ }).click();
  const held = trusted.locator('section', { has: trusted.getByRole('heading', { name: 'Вы действуете от имени' }) });
  const mine = held.locator('.grant', { hasText: 'Доверенное лицо' }).filter({ hasText: 'нотариус Петрова' });
  await expect(mine).toContainText('Принята, основание на проверке');
  await expect(trusted.getByLabel('Действую от имени')).not.toContainText('Иванов Иван Петрович — Доверенное лицо');

  // Staff see the scan and confirm; the trusted person's open page shows the authority in force.
  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff');
  await hydrated(staff);
  const review = staff.locator('.authority-review', { hasText: who.inn });
  await expect(review).toContainText('получатель уже принял доступ');
  await expect(review.getByRole('link', { name: 'Скан: доверенность.pdf' })).toBeVisible();
  await staff.getByRole('button', { name: `Подтвердить основание: ${name}, ИНН ${who.inn}` }).click();
  await expect(review).toHaveCount(0);
  await expect(mine).toContainText('Действует', { timeout: 15_000 });
  await expect(mine).toContainText('подтверждено сотрудником страховщика');
  await expect(line).toContainText('Действует', { timeout: 15_000 });
  await staff.context().close();
});
