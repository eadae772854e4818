import { expect, test } from './fixtures';
import { hydrated, login, loginCitizen, loginStaff } from './helpers';

test('logout ends the session on the server, not just in the browser', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await loginCitizen(page);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'kabinet_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');

  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);

  // The old cookie, put back by hand, opens nothing.
  const other = await browser.newContext();
  await other.addCookies([session!]);
  const again = await other.newPage();
  await again.goto('/policies');
  await expect(again).toHaveURL(/\/login/);
  await context.close();
  await other.close();
});

test('the session id changes at login', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, 'broker@example.ru');
  await expect(page).toHaveURL(/\/$/);
  const first = (await context.cookies()).find((c) => c.name === 'kabinet_session')!.value;
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await login(page, 'broker@example.ru');
  await expect(page).toHaveURL(/\/$/);
  const second = (await context.cookies()).find((c) => c.name === 'kabinet_session')!.value;
  expect(second).not.toBe(first);
  expect(second).toMatch(/^[0-9a-f]{64}$/);
  await context.close();
});

test('a cross-origin POST is refused', async ({ request }) => {
  const evil = await request.post('/api/auth/login', {
    headers: { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
    data: 'login=demo%40example.ru&password=Kabinet-2026&next=%2F',
  });
  expect(evil.status()).toBe(403);
  expect(await evil.text()).toContain('другого сайта');
  expect(evil.headers()['set-cookie']).toBeUndefined();

  const crossSite = await request.post('/logout', { headers: { 'Sec-Fetch-Site': 'cross-site' } });
  expect(crossSite.status()).toBe(403);
});

test('pages carry the security headers', async ({ page }) => {
  const response = await page.goto('/login');
  const h = response!.headers();
  expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(h['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(h['x-request-id']).toMatch(/[0-9a-f-]{36}/);
});

test('an unknown address, logged in, is «Страница не найдена» with a nonce CSP, and the page starts', async ({ page }) => {
  await loginCitizen(page);
  const response = await page.goto('/no-such-page');
  expect(response!.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Страница не найдена' })).toBeVisible();
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  // The scripts carry the header's nonce (the browser hides the attribute; the property keeps
  // it), so the page starts under this CSP.
  const nonce = csp.match(/'nonce-([^']+)'/)![1];
  expect(await page.evaluate((n) => [...document.scripts].filter((s) => s.nonce === n).length, nonce)).toBeGreaterThan(0);
  await hydrated(page);
});

/** The page at `path` is served with a CSP whose nonce its scripts carry, and starts under it. */
async function startsUnderItsCsp(page: import('@playwright/test').Page, path: string) {
  const response = await page.goto(path);
  const csp = response!.headers()['content-security-policy'] ?? '';
  expect(csp, `${path}: CSP`).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(csp, `${path}: CSP`).toContain("frame-ancestors 'none'");
  const nonce = csp.match(/'nonce-([^']+)'/)![1];
  const carried = await page.evaluate((n) => [...document.scripts].filter((s) => s.nonce === n).length, nonce);
  expect(carried, `${path}: scripts with the header's nonce`).toBeGreaterThan(0);
  await hydrated(page);
}

test('every kind of page carries the CSP with its nonce: guest, citizen, public check, staff', async ({ browser }) => {
  const guest = await (await browser.newContext()).newPage();
  for (const path of ['/login', '/register', '/recover', '/recover/manual', '/check/NO-SUCH-CODE']) {
    await startsUnderItsCsp(guest, path);
  }
  const citizen = await (await browser.newContext()).newPage();
  await loginCitizen(citizen);
  for (const path of ['/', '/policies', '/contributions', '/charges', '/debts', '/documents', '/requests',
    '/reports', '/deadlines', '/notices', '/security', '/profile']) {
    await startsUnderItsCsp(citizen, path);
  }
  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  for (const path of ['/staff', '/staff/requests', '/staff/reports']) {
    await startsUnderItsCsp(staff, path);
  }
  await guest.context().close();
  await citizen.context().close();
  await staff.context().close();
});

test('«Действую от имени» switches whose policies are shown, and the choice outlives a reload', async ({ page }) => {
  await login(page, 'rep@example.ru');
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/policies');
  await hydrated(page);
  const acting = page.getByLabel('Действую от имени');
  const rows = page.locator('tbody tr');
  const romashka = await acting.locator('option', { hasText: 'ООО «Ромашка»' }).getAttribute('value');
  await acting.selectOption(romashka!);
  await expect(rows).toHaveCount(2);
  const smirnova = await acting.locator('option', { hasText: 'Смирнова Ольга Викторовна' }).getAttribute('value');
  await acting.selectOption(smirnova!);
  await expect(rows).toHaveCount(1);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Действую от имени')).toHaveValue(smirnova!);
  await expect(page.locator('tbody tr')).toHaveCount(1);
});
