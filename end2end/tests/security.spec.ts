import { expect, test } from './fixtures';
import { enterCode, freshTotp, hydrated, lastCode, lastMessage, login, loginStaff, newPerson, newStaff, register } from './helpers';

test('ending another session from «Безопасность» logs that browser out', async ({ browser }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1' });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  await login(b, 'broker@example.ru');
  await expect(b).toHaveURL(/\/$/);
  await login(a, 'broker@example.ru');
  await expect(a).toHaveURL(/\/$/);

  await a.getByRole('link', { name: 'Безопасность' }).click();
  await expect(a.getByRole('heading', { name: 'Активные сеансы' })).toBeVisible();
  const other = a.locator('li.session', { hasText: 'Safari, iOS' });
  await expect(other).toBeVisible();
  await expect(a.locator('li.session', { hasText: 'Этот сеанс' })).toBeVisible();
  await other.getByRole('button', { name: 'Завершить' }).click();
  await expect(other).toHaveCount(0);
  await expect(a.getByRole('cell', { name: 'Сеанс завершён с другого устройства' }).first()).toBeVisible();

  // The phone is logged out.
  await b.goto('/policies');
  await expect(b).toHaveURL(/\/login/);
  // The laptop is not.
  await a.goto('/policies');
  await expect(a).toHaveURL(/\/policies$/);
  await hydrated(a);
  await laptop.close();
  await phone.close();
});

test('the security journal records a failed login, newest first', async ({ page }) => {
  const staff = await newStaff(page.request);
  await login(page, staff.email, 'Wrong-Password-2');
  await expect(page.getByRole('alert')).toContainText('Неверный логин или пароль');
  await loginStaff(page, staff);
  await expect(page.getByText('Ваша учётная запись пока не связана ни с одним страхователем')).toBeVisible();
  await page.goto('/security');
  const events = page.locator('tbody td[data-label="Событие"]');
  await expect(events.first()).toHaveText('Вход подтверждён кодом из приложения');
  await expect(events.nth(1)).toHaveText('Вход');
  await expect(events.nth(2)).toHaveText('Неудачная попытка входа');
});

// An attacker's checklist against the running server: each test names the attack it tries.

test('attack: skip the second factor by posting the confirmation step with any code', async ({ page, playwright }) => {
  const staff = await newStaff(page.request);
  const api = page.request;
  const login = await api.post('/api/auth/login', {
    form: { login: staff.email, password: 'Kabinet-2026', next: '/' },
    maxRedirects: 0,
  });
  expect(login.status()).toBeLessThan(400);
  const confirm = await api.post('/api/auth/confirm', { form: { code: '000000' }, maxRedirects: 0 });
  expect(confirm.status()).toBe(401);
  // Still owes the factor: the cabinet and the staff area send it back to the code page.
  for (const path of ['/', '/staff', '/security']) {
    const res = await api.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(303);
    expect(res.headers()['location'], path).toMatch(/^\/login\/code/);
  }
  const data = await api.post('/api/staff/access-requests', { form: {}, maxRedirects: 0 });
  expect(data.status()).toBeGreaterThanOrEqual(400);
  // The real code opens it, under a new cookie: the one from before the code opens nothing.
  const before = (await api.storageState()).cookies.find((c) => c.name === 'kabinet_session')!.value;
  const code = await api.post('/api/auth/second-factor', {
    form: { code: await freshTotp(staff), next: '/staff' },
    maxRedirects: 0,
  });
  expect(code.status()).toBeLessThan(400);
  const after = (await api.storageState()).cookies.find((c) => c.name === 'kabinet_session')!.value;
  expect(after).not.toBe(before);
  expect((await api.get('/staff', { maxRedirects: 0 })).status()).toBe(200);
  // The cookie seen before the code (fixated, or read over the shoulder) opens nothing.
  const stale = await playwright.request.newContext({
    baseURL: test.info().project.use.baseURL,
    extraHTTPHeaders: { cookie: `kabinet_session=${before}` },
  });
  const res = await stale.get('/staff', { maxRedirects: 0 });
  expect(res.status()).toBe(303);
  expect(res.headers()['location']).toMatch(/^\/login/);
  await stale.dispose();
});

test('attack: «next» after login leads to another site or breaks the redirect', async ({ page }) => {
  for (const next of ['/%09/evil.example', '/%01', '//evil.example', '/%5Cevil.example', 'https://evil.example']) {
    await page.context().clearCookies();
    await page.goto(`/login?next=${next}`);
    await hydrated(page);
    await page.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill('rep@example.ru');
    await page.getByLabel('Пароль').fill('Kabinet-2026');
    await page.getByRole('button', { name: 'Войти' }).click();
    await expect(page, next).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\//);
    await expect(page.getByRole('button', { name: 'Выйти', exact: true }), next).toBeVisible();
  }
});

test('attack: a staff member without a second factor opens the staff area', async ({ page }) => {
  // The demo's staff members all have one; a password-only staff session is what a stolen
  // password would give, so the staff data answers 401 before the code and the page shows none.
  const staff = await newStaff(page.request);
  await login(page, staff.email);
  await expect(page).toHaveURL(/\/login\/code/);
  const res = await page.goto('/staff/requests');
  expect(res!.url()).toContain('/login/code');
  await expect(page.getByText('Новое начисление')).toHaveCount(0);
});

test('attack: learn whose СНИЛС is registered from the registration page', async ({ browser }) => {
  const owner = newPerson('Владелец Снилса Иванович');
  const ownerPage = await (await browser.newContext()).newPage();
  await register(ownerPage, owner);
  await enterCode(ownerPage, await lastCode(ownerPage.request, owner.email));
  await expect(ownerPage).toHaveURL(/\/policies$/);

  // The prober types the owner's СНИЛС with an e-mail of his own: the page answers exactly as
  // for a new person (the code page), not with a message that the СНИЛС is taken.
  const prober = { ...newPerson('Проверяющий Пётр'), snils: owner.snils };
  const page = await (await browser.newContext()).newPage();
  await register(page, prober);
  await expect(page.getByRole('status').filter({ hasText: 'Мы отправили 6-значный код на' })).toBeVisible();
  // What reaches the prober's mailbox is a notice with no code, so he cannot confirm.
  const notice = await lastMessage(page.request, prober.email);
  expect(notice).toContain('уже есть учётная запись');
  expect(notice).not.toMatch(/\b\d{6}\b/);
  // The owner hears of it by his own e-mail.
  expect(await lastMessage(page.request, owner.email)).toContain('Кто-то начал регистрацию');
});
