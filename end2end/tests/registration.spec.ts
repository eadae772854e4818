import { expect, test } from './fixtures';
import { enterCode, hydrated, lastCode, login, register } from './helpers';

// People in the demo insurer's register without an account: signing up with the same СНИЛС and
// e-mail links their policies.
const petrov = { name: 'Петров Пётр Петрович', email: 'petrov@example.ru', phone: '+7 916 000-01-01', snils: '112-233-445 95' };
const sidorova = { name: 'Сидорова Анна Игоревна', email: 'sidorova@example.ru', phone: '+7 916 000-01-02', snils: '200-300-400 48' };
const orlov = { name: 'Орлов Денис Сергеевич', email: 'orlov@example.ru', phone: '+7 916 000-01-03', snils: '157-842-963 14' };

test('register, read the code in the outbox, confirm, log in again and see the policies', async ({ page }) => {
  await register(page, petrov);
  await expect(page.getByRole('status').filter({ hasText: 'Мы отправили 6-значный код на pe***@example.ru' })).toBeVisible();
  const code = await lastCode(page.request, petrov.email);
  await enterCode(page, code);
  await expect(page).toHaveURL(/\/policies$/);
  await expect(page.getByRole('heading', { name: 'Мои страховые полисы' })).toBeVisible();
  await expect(page.locator('tbody tr')).toHaveCount(2);
  await expect(page.getByText('Действую от имени: Петров Пётр Петрович')).toBeVisible();

  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await login(page, petrov.email, 'Nadezhnyi-Parol-7');
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole('link', { name: 'Мои полисы' }).click();
  await expect(page.locator('tbody tr')).toHaveCount(2);
});

test('a wrong code five times locks the code with a clear message', async ({ page }) => {
  await register(page, sidorova);
  const code = await lastCode(page.request, sidorova.email);
  const wrong = code === '000000' ? '111111' : '000000';
  for (const left of [4, 3, 2, 1]) {
    await enterCode(page, wrong);
    await expect(page.getByText(`Неверный код. Осталось попыток: ${left}`)).toBeVisible();
  }
  await enterCode(page, wrong);
  await expect(page.getByText('Код заблокирован: 5 неверных попыток. Запросите новый код')).toBeVisible();
  // Even the right code is refused now.
  await enterCode(page, code);
  await expect(page.getByText('Код заблокирован: 5 неверных попыток')).toBeVisible();
  await expect(page).toHaveURL(/\/confirm$/);
  // The code field is marked invalid and described by the message.
  await expect(page.getByLabel('Код из сообщения')).toHaveAttribute('aria-invalid', 'true');
  // Until confirmed, the account sees only the confirmation page.
  await page.goto('/policies');
  await expect(page).toHaveURL(/\/confirm$/);
});

test('an expired code is refused', async ({ page }) => {
  await register(page, orlov);
  const code = await lastCode(page.request, orlov.email);
  const r = await page.request.post('/dev/expire-codes', { form: { email: orlov.email } });
  expect(r.ok()).toBeTruthy();
  await enterCode(page, code);
  await expect(page.getByText('Срок действия кода истёк. Запросите новый код')).toBeVisible();
  await expect(page).toHaveURL(/\/confirm$/);
});

test('registration checks fields as they are left and names them', async ({ page }) => {
  await page.goto('/register');
  await hydrated(page);
  const snils = page.getByLabel('СНИЛС или ИНН');
  await snils.fill('112-233-445 96');
  await page.getByLabel('Мобильный телефон').focus();
  await expect(page.getByText('СНИЛС введён с ошибкой: не сходится контрольное число')).toBeVisible();
  await expect(snils).toHaveAttribute('aria-invalid', 'true');

  // The server applies the same rules and keeps what was typed.
  await page.getByLabel('Фамилия, имя, отчество').fill('Тестов Тест');
  await page.getByLabel('Электронная почта').fill('test@example');
  await page.getByLabel('Пароль', { exact: true }).fill('password1');
  await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await expect(page.getByText('Адрес электронной почты выглядит так: name@example.ru')).toBeVisible();
  await expect(page.getByText('Пароль должен содержать строчные и заглавные буквы и цифры')).toBeVisible();
  await expect(page.getByText('Укажите номер телефона')).toBeVisible();
  await expect(page.getByLabel('Фамилия, имя, отчество')).toHaveValue('Тестов Тест');
  await expect(page).toHaveURL(/\/register$/);
});
