import { expect, Browser, Page, APIRequestContext, Download } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHmac, randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEMO_PASSWORD = 'Kabinet-2026';

/** Waits until the WASM has hydrated the page, so clicks go through the app. A page that never
 * does fails with what it got that far: whether the WASM started, a panic, a start-up error
 * (public/pwa.js keeps it), the /pkg fetches. */
export async function hydrated(page: Page) {
  try {
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 30_000 });
  } catch (e) {
    const state = await page
      .evaluate(() => ({
        url: location.href,
        readyState: document.readyState,
        wasm: document.body?.getAttribute('data-wasm'),
        panic: document.body?.getAttribute('data-panic'),
        bootError: document.body?.getAttribute('data-boot-error'),
        worker: !!navigator.serviceWorker?.controller,
        steps: (window as unknown as { __kabinetBoot?: string[] }).__kabinetBoot,
        pkg: performance
          .getEntriesByType('resource')
          .filter((r) => r.name.includes('/pkg/'))
          .map((r) => {
            const t = r as PerformanceResourceTiming;
            return `${t.name.replace(location.origin, '')} status=${t.responseStatus} ${Math.round(t.duration)}ms ${t.transferSize}B`;
          }),
      }))
      .catch((err) => `page unreadable: ${err}`);
    throw new Error(`the page never hydrated: ${JSON.stringify(state, null, 1)}\n${e}`);
  }
  // A page that only started after a healing reload, or whose WASM panicked, is a failure too.
  const marks = await page.evaluate(() => ({
    reloaded: document.body.getAttribute('data-reloaded'),
    panic: document.body.getAttribute('data-panic'),
  }));
  expect(marks, `${page.url()} started cleanly`).toEqual({ reloaded: null, panic: null });
}

export async function login(page: Page, who: string, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill(who);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
}

/** The newest 6-digit code sent to `recipient`, read from the demo outbox as a person would. */
export async function lastCode(request: APIRequestContext, recipient: string): Promise<string> {
  const html = await (await request.get('/dev/outbox')).text();
  const escaped = recipient.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = html.match(new RegExp(`data-recipient="${escaped}"[\\s\\S]*?<pre>([\\s\\S]*?)</pre>`));
  expect(m, `a message to ${recipient} in the outbox`).not.toBeNull();
  const code = m![1].match(/\b(\d{6})\b/);
  expect(code, 'a 6-digit code in the message').not.toBeNull();
  return code![1];
}

export interface Person {
  name: string;
  email: string;
  phone: string;
  snils: string;
}

export async function register(page: Page, p: Person, password = 'Nadezhnyi-Parol-7') {
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Фамилия, имя, отчество').fill(p.name);
  await page.getByLabel('Электронная почта').fill(p.email);
  await page.getByLabel('Мобильный телефон').fill(p.phone);
  await page.getByLabel('СНИЛС или ИНН').fill(p.snils);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.getByLabel('Пароль ещё раз').fill(password);
  await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await expect(page).toHaveURL(/\/confirm$/);
  await expect(page.getByRole('heading', { name: 'Подтверждение учётной записи' })).toBeVisible();
  await hydrated(page);
}

export async function enterCode(page: Page, code: string) {
  await page.getByLabel('Код из сообщения').fill(code);
  await page.getByRole('button', { name: 'Подтвердить' }).click();
}

/** A valid СНИЛС nobody else has. */
export function newSnils(): string {
  for (;;) {
    const d = Array.from({ length: 9 }, () => randomInt(10));
    const sum = d.reduce((s, x, i) => s + x * (9 - i), 0);
    const check = sum < 100 ? sum : sum === 100 || sum === 101 ? 0 : sum % 101 === 100 ? 0 : sum % 101;
    const n = d.join('');
    if (n <= '001001998') continue;
    return `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6, 9)} ${String(check).padStart(2, '0')}`;
  }
}

/** A new person for registration: unique e-mail, phone and СНИЛС. */
export function newPerson(name: string): Person {
  const n = String(randomInt(10_000_000)).padStart(7, '0');
  return {
    name,
    email: `p${n}@example.ru`,
    phone: `+7 917 ${n.slice(0, 3)}-${n.slice(3, 5)}-${n.slice(5, 7)}`,
    snils: newSnils(),
  };
}

/** The newest message to `recipient` in the demo outbox, as its text. */
export async function lastMessage(request: APIRequestContext, recipient: string): Promise<string> {
  const html = await (await request.get('/dev/outbox')).text();
  const escaped = recipient.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = html.match(new RegExp(`data-recipient="${escaped}"[\\s\\S]*?<pre>([\\s\\S]*?)</pre>`));
  expect(m, `a message to ${recipient} in the outbox`).not.toBeNull();
  return m![1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A phone as the cabinet stores it (and the outbox names it): `+7XXXXXXXXXX`. */
export function normalPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `+7${digits.slice(-10)}`;
}

/** A valid ИНН of a person (12 digits) nobody else has. */
export function newInn(): string {
  const d = Array.from({ length: 10 }, () => randomInt(10));
  const check = (ds: number[], w: number[]) => (ds.reduce((s, x, i) => s + x * w[i], 0) % 11) % 10;
  d.push(check(d, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
  d.push(check(d, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
  return d.join('');
}

/** RFC 4648 base32 → bytes. */
function base32(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for the moment `ms`, as the authenticator app computes it. */
export function totp(secret: string, ms = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

/** A staff member with a TOTP app (the staff area opens only with it). */
export interface Staff {
  email: string;
  secret: string;
  /** The last 30-second step whose code was used: a code is never accepted twice. */
  lastStep: number;
}

/** A staff member of the test's own (demo mode's `/dev/staff`), so tests run side by side never
 * share one staff account's codes or journal. */
export async function newStaff(request: APIRequestContext): Promise<Staff> {
  const res = await request.post('/dev/staff');
  expect(res.status(), 'a new staff member').toBe(200);
  const [email, secret] = (await res.text()).trim().split(' ');
  return { email, secret, lastStep: 0 };
}

/** A code of `staff`'s app not used before: the current step's, or the next one's (the server
 * takes one step either side) if the current one was used; later than that, it waits. */
export async function freshTotp(staff: Staff): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const step = Math.max(now, staff.lastStep + 1);
    if (step <= now + 1) {
      staff.lastStep = step;
      return totp(staff.secret, step * 30_000);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Logs `page` in as a staff member (a new one of its own unless given): the password, then the
 * code from the app. Answers who it is. */
export async function loginStaff(page: Page, staff?: Staff): Promise<Staff> {
  const who = staff ?? (await newStaff(page.request));
  await login(page, who.email);
  await expect(page).toHaveURL(/\/login\/code/);
  await hydrated(page);
  await page.getByLabel('Код из приложения или резервный код').fill(await freshTotp(who));
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  return who;
}

/** A surname nobody else in the run has, so staff find exactly this person. */
export function uniqueName(): string {
  const letters = 'абвгдежзиклмнопрстуфхцчшэюя';
  const tail = Array.from({ length: 6 }, () => letters[randomInt(letters.length)]).join('');
  return `Оплатов${tail} Пётр Ильич`;
}

export interface Citizen {
  page: Page;
  phone: string;
}

/** A new citizen, logged in, with fines entered by staff (sums as typed, e.g. «1 000,00»). */
export async function citizenWithFines(browser: Browser, fines: string[]): Promise<Citizen> {
  const page = await (await browser.newContext()).newPage();
  const person = newPerson(uniqueName());
  await register(page, person);
  await enterCode(page, await lastCode(page.request, person.email));
  await expect(page).toHaveURL(/\/policies$/);

  const staff = await (await browser.newContext()).newPage();
  await loginStaff(staff);
  await staff.goto('/staff');
  await hydrated(staff);
  await staff.getByLabel('Поиск страхователя').fill(person.name.split(' ')[0]);
  const option = staff.locator('#f-policyholder_id option', { hasText: person.name }).first();
  await expect(option).toBeAttached();
  await staff.locator('#f-policyholder_id').selectOption(await option.getAttribute('value'));
  for (const [i, sum] of fines.entries()) {
    await staff.getByLabel('Тип начисления').selectOption('penalty');
    await staff.getByLabel('Сумма, ₽').fill(sum);
    await staff.getByLabel('Основание').fill(`Штраф за просрочку отчёта № ${i + 1}`);
    await staff.getByRole('button', { name: 'Внести начисление' }).click();
    await expect(staff.getByText('Начисление внесено')).toBeVisible();
    await staff.reload();
    await hydrated(staff);
    await staff.getByLabel('Поиск страхователя').fill(person.name.split(' ')[0]);
    await expect(option).toBeAttached();
    await staff.locator('#f-policyholder_id').selectOption(await option.getAttribute('value'));
  }
  await staff.context().close();
  return { page, phone: normalPhone(person.phone) };
}

export async function bytes(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function pdfText(file: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kabinet-')), 'doc.pdf');
  writeFileSync(path, file);
  return execFileSync('pdftotext', ['-layout', path, '-']).toString('utf8').replace(/\u00a0/g, ' ');
}

/** A demo citizen of the test's own (demo mode's `/dev/citizen`): Иванов Иван Петрович with the
 * demo citizen's policies, debts and trusted person's authority, but his own account, so tests
 * run side by side never share notices, reminders, drafts or payments. */
export interface OwnCitizen {
  email: string;
  /** His ИНН, by which staff find exactly him among the many Ивановы of a run. */
  inn: string;
}

export async function newCitizen(request: APIRequestContext): Promise<OwnCitizen> {
  const res = await request.post('/dev/citizen');
  expect(res.status(), 'a new demo citizen').toBe(200);
  const [email, inn] = (await res.text()).trim().split(' ');
  return { email, inn };
}

/** Logs `page` in as a new demo citizen of its own (see [`newCitizen`]); lands on «Обзор». */
export async function loginCitizen(page: Page): Promise<OwnCitizen> {
  const who = await newCitizen(page.request);
  await login(page, who.email);
  await expect(page).toHaveURL(/\/$/);
  return who;
}

/** A new browser context logged in as `who`, or as a new demo citizen of its own. */
export async function citizen(browser: Browser, who?: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page, who ?? (await newCitizen(page.request)).email);
  await expect(page).toHaveURL(/\/$/);
  return page;
}

/** A tiny file that passes the upload's content check as a PDF. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

export async function attach(page: Page, name: string) {
  await page.getByLabel('Добавить файл', { exact: true }).setInputFiles({ name, mimeType: 'application/pdf', buffer: PDF });
  await expect(page.locator('.file-line', { hasText: name }).locator('.file-ok')).toBeVisible();
}

/** «Создать запрос» from the first policy, through the review step; the request's id. */
export async function createRequest(page: Page, kind: string, description: string, file?: string): Promise<string> {
  await page.goto('/policies');
  const policy = await page.locator('tbody tr a').first().getAttribute('href');
  await page.goto(policy!);
  await hydrated(page);
  const number = (await page.getByRole('heading', { level: 1 }).innerText()).replace('Полис ', '').trim();
  await page.getByRole('link', { name: 'Создать запрос' }).click();
  await expect(page.getByRole('heading', { name: 'Создать запрос' })).toBeVisible();
  await hydrated(page);
  // ФИО and the policy's number are filled in.
  await expect(page.locator('#prefill-policy')).toHaveText(number);
  await expect(page.locator('#prefill-name')).toHaveText('Иванов Иван Петрович');
  await page.getByLabel(kind).check();
  await page.getByLabel('Контактный телефон').fill('+7 912 345-67-89');
  await page.getByLabel('Описание').fill(description);
  if (file) await attach(page, file);
  await page.getByRole('button', { name: 'Далее: проверить' }).click();
  await expect(page.getByRole('heading', { name: 'Проверьте запрос' })).toBeVisible();
  await expect(page.getByText(description)).toBeVisible();
  await expect(page.locator('#review-files')).toHaveText(file ?? 'нет');
  await page.getByRole('button', { name: 'Отправить' }).click();
  await expect(page).toHaveURL(/\/requests\/[0-9a-f]{32}\?created=1$/);
  if (file) await expect(page.locator('#request-files')).toContainText(file);
  await expect(page.getByText(/Запрос отправлен\. Номер запроса: ЗАП-\d{4}-[0-9A-Z]{8}/)).toBeVisible();
  await expect(page.locator('#request-status')).toContainText('В обработке');
  await hydrated(page);
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** Moscow wall-clock time `minutes` from now as a datetime-local value. */
export function moscowInput(minutes: number): string {
  const t = new Date(Date.now() + minutes * 60_000 + 3 * 3600_000);
  return t.toISOString().slice(0, 16);
}

/** A server process of a test's own on `port`, in demo mode, on `databaseUrl`; `env` adds to it. */
export function startServer(port: number, databaseUrl: string, env: Record<string, string> = {}): ChildProcess {
  const binary = process.env.KABINET_SERVER ?? `${process.env.HOME}/.cache/kabinet-target/release/server`;
  return spawn(binary, [], {
    cwd: '..',
    stdio: 'ignore',
    env: {
      ...process.env,
      KABINET_MODE: 'demo',
      LEPTOS_ENV: 'PROD',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      RUST_LOG: 'warn',
      ...env,
    },
  });
}

/** Waits until the server at `base` answers its health check; answers what it said. */
export async function serverUp(base: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return await res.text();
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server at ${base} did not start`);
}

/** Stops a server process and waits until it has exited. */
export async function stopServer(p: ChildProcess) {
  if (p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

/** Staff answer the request open on `staff`'s page: a new status, a comment, perhaps a file;
 * «Отправить ответ» is confirmed. */
export async function staffAnswers(staff: Page, status: string, comment: string, file?: string) {
  await staff.getByLabel('Новый статус').selectOption(status);
  await staff.getByLabel('Комментарий').fill(comment);
  if (file) await attach(staff, file);
  await staff.getByRole('button', { name: 'Отправить ответ' }).click();
  await expect(staff.getByText('Ответ отправлен.')).toBeVisible();
}
