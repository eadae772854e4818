import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { citizenWithFines, hydrated, lastCode, login, loginCitizen, loginStaff, newCitizen } from './helpers';

// ГОСТ Р 52872-2019 / WCAG 2.1 AA, checked in the browser: axe-core on every page (guest, citizen,
// staff), the layout at a 360 px wide phone and at 200 % zoom, and the main journeys with the
// keyboard alone and a visible focus.

// Relative to end2end/, where the tests run.
const axePath = 'node_modules/axe-core/axe.min.js';
// The app's CSP allows only its own nonce'd scripts; axe is injected by the test, not the app.
test.use({ bypassCSP: true });

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now; violations in short form. */
async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const { violations, passes } = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return { violations: result.violations as Violation[], passes: result.passes.length as number };
  });
  // A page on which axe found nothing to check means axe did not run on it.
  expect(passes, `axe ran its rules on ${page.url()}`).toBeGreaterThan(5);
  return violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/** Whether anything sticks out sideways (the page would scroll horizontally). */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width + 1) {
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > width + 1 && getComputedStyle(el).position !== 'fixed') {
          // Report the outermost offenders only.
          if (!out.some((o) => el.closest(o))) out.push(el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''));
        }
      }
      if (out.length === 0) out.push(`document ${document.documentElement.scrollWidth}px > ${width}px`);
    }
    return out.slice(0, 5);
  });
}

async function check(page: Page, path: string, found: Record<string, string[]>) {
  await page.goto(path);
  await hydrated(page);
  const problems = [...(await axe(page)), ...(await overflow(page)).map((o) => `overflow: ${o}`)];
  if (problems.length) found[path] = problems;
}

const guestPages = ['/login', '/register', '/recover', '/recover/manual', '/recover/manual/status', '/no-such-page'];

async function citizenPages(page: Page): Promise<string[]> {
  await page.goto('/contributions');
  const sheet = await page.locator('tbody td[data-label="Дата начисления"] a').first().getAttribute('href');
  await page.goto('/policies');
  const policy = await page.locator('tbody tr a').first().getAttribute('href');
  return ['/', '/policies', policy!, '/contributions', '/contributions?from=2025-01-01&to=2025-12-31&sort=amount&dir=desc', sheet!, '/charges',
    '/notices', '/profile', '/security', '/debts', '/pay?all=1', '/documents', '/requests', `${policy}/request`,
    '/reports', '/reports/new/event', '/reports/new/works', '/reports/new/payout', '/reports/new/recalc', '/deadlines',
    '/history', '/history?kind=authority&search=%D0%B4%D0%BE%D1%81%D1%82%D1%83%D0%BF', '/proxies', '/clients', '/clients/debts'];
}

for (const [name, viewport] of [
  ['a desktop', { width: 1280, height: 800 }],
  // 200 % zoom of a 1280 px window lays the page out in 640 CSS pixels.
  ['200 % zoom', { width: 640, height: 400 }],
  ['a 360 px phone', { width: 360, height: 740 }],
] as const) {
  test(`every page passes axe-core and fits ${name}`, async ({ browser }) => {
    test.setTimeout(120_000);
    const context = await browser.newContext({ viewport, bypassCSP: true });
    const page = await context.newPage();
    const found: Record<string, string[]> = {};
    for (const path of guestPages) await check(page, path, found);

    await loginCitizen(page);
    for (const path of await citizenPages(page)) await check(page, path, found);

    await context.clearCookies();
    await loginStaff(page);
    for (const path of ['/staff', '/staff/requests', '/staff/reports']) await check(page, path, found);
    expect(found).toEqual({});
    await context.close();
  });
}

/** Presses Tab until the focused element matches `selector` (at most `max` presses). */
async function tabTo(page: Page, selector: string, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) {
      await expectVisibleFocus(page);
      return;
    }
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** The focused element shows it: an outline or a box shadow of its own. */
async function expectVisibleFocus(page: Page) {
  const style = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const cs = getComputedStyle(el);
    return { outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2, shadow: cs.boxShadow !== 'none', tag: el.outerHTML.slice(0, 80) };
  });
  expect(style.outline || style.shadow, `visible focus on ${style.tag}`).toBe(true);
}

test('log in and find a contribution with the keyboard alone', async ({ page }) => {
  // A citizen of the test's own: the shared demo account's notices and live updates, made by the
  // tests beside this one, redraw its pages while it tabs (a soak run lost the focus that way).
  const who = await newCitizen(page.request);
  await page.goto('/login');
  await hydrated(page);
  await tabTo(page, 'input[name="login"]');
  await page.keyboard.type(who.email);
  await tabTo(page, 'input[name="password"]');
  await page.keyboard.type('Kabinet-2026');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);

  await tabTo(page, 'a[href="/contributions"]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/contributions/);
  await hydrated(page);
  await tabTo(page, 'input[name="programme"]');
  await page.keyboard.press('Space');
  await tabTo(page, 'form.filters button[type="submit"]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/programme=/);
  await hydrated(page);
  // The table is loaded again for the filter: read the first row once it has settled.
  await expect(page.locator('.table-zone')).toHaveAttribute('aria-busy', 'false');
  const first = page.locator('tbody td[data-label="Дата начисления"] a').first();
  const href = await first.getAttribute('href');
  await tabTo(page, `a[href="${href}"]`, 150);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(href!.replace(/[?]/g, '\\?') + '$'));
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});

test('pay a debt with the keyboard alone', async ({ browser }) => {
  test.setTimeout(90_000);
  const { page, phone } = await citizenWithFines(browser, ['700,00']);
  await page.goto('/debts');
  await hydrated(page);
  await tabTo(page, 'input[type="checkbox"][aria-label="Выбрать все задолженности"]');
  await page.keyboard.press('Space');
  await expect(page.getByText('Выбрано: 1 · к оплате 700,00 ₽')).toBeVisible();
  await tabTo(page, 'button.btn-primary');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/pay\?/);
  await hydrated(page);
  await tabTo(page, 'input[name="card_number"]');
  await page.keyboard.type('4242 4242 4242 4242');
  await tabTo(page, 'input[name="card_expiry"]');
  await page.keyboard.type('12/30');
  await tabTo(page, 'input[name="card_holder"]');
  await page.keyboard.type('PETR ILICH');
  await tabTo(page, 'input[name="accept_terms"]');
  await page.keyboard.press('Space');
  await tabTo(page, 'button[type="submit"]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/payments\//);
  await hydrated(page);
  const code = await lastCode(page.request, phone);
  await tabTo(page, 'input[name="code"]');
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await expect(page.getByText('Оплачено', { exact: false }).first()).toBeVisible({ timeout: 15_000 });
});

test('send a works report with the keyboard alone', async ({ page }) => {
  test.setTimeout(90_000);
  await loginCitizen(page);
  await page.goto('/reports');
  await hydrated(page);
  await tabTo(page, 'a[href="/reports/new/works"]', 80);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/reports\/new\/works$/);
  await hydrated(page);
  // Step 1: the arrow keys move through the policies until one with insured events is chosen.
  await tabTo(page, 'select#f-policy_id', 80);
  const policies = await page.locator('#f-policy_id option').count();
  for (let i = 1; i < policies; i++) {
    const chosen = await page.locator('#f-policy_id option').nth(i).getAttribute('value');
    await page.keyboard.press('ArrowDown');
    // The events list says whose events it shows once it has followed the change.
    await expect(page.locator(`.events-of[data-policy="${chosen}"]`)).toBeAttached();
    if (await page.locator('#f-event_id option').count() > 1) break;
  }
  await tabTo(page, 'select#f-event_id');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#f-event_id')).not.toHaveValue('');
  await tabTo(page, 'button[type="submit"]');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Шаг 2 из 3: Работы/ })).toBeFocused();
  // Step 2: one row typed in, an invoice chosen from the picker the keyboard opens.
  await tabTo(page, '#f-works-0-name');
  await page.keyboard.type('Замена радиатора');
  await tabTo(page, '#f-works-0-quantity');
  await page.keyboard.type('2');
  await tabTo(page, '#f-works-0-unit_price');
  await page.keyboard.type('1 500');
  await expect(page.locator('#works-total')).toHaveText(/^3\s000,00/);
  await tabTo(page, 'input#f-invoices');
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Space');
  await (await chooser).setFiles({
    name: 'счёт-фактура.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  });
  await expect(page.locator('.file-line', { hasText: 'счёт-фактура.pdf' }).locator('.file-ok')).toBeVisible();
  await tabTo(page, 'button[type="submit"]');
  await page.keyboard.press('Enter');
  // Step 3: the review, then «Отправить».
  await expect(page.getByRole('heading', { name: /Шаг 3 из 3: Проверка/ })).toBeFocused();
  await expect(page.locator('#summary-files')).toContainText('счёт-фактура.pdf');
  await tabTo(page, 'button[type="submit"]');
  await expect(page.locator(':focus')).toHaveText('Отправить');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/reports\/[0-9a-f]{32}$/);
  await expect(page.locator('.report-status [data-status="review"]')).toHaveText('На проверке');
});
