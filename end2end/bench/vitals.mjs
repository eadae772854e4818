// `make bench`, browser part: Largest Contentful Paint, Interaction to Next Paint and Cumulative
// Layout Shift of the dashboard and «Взносы» in Debian's Chromium with the CPU throttled ×4 (a
// mid-range phone), measured with the browser's own PerformanceObserver entries. Each page is
// loaded cold (new context) RUNS times; the median and the worst are printed.
import { chromium } from '@playwright/test';

const base = process.env.BENCH_BASE ?? 'http://127.0.0.1:3900';
const runs = Number(process.env.BENCH_VITALS_RUNS ?? 5);

// Collects the entries from the first byte on.
const observe = () => {
  window.__vitals = { lcp: 0, cls: 0, inp: 0 };
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__vitals.lcp = e.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (!e.hadRecentInput) window.__vitals.cls += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (e.interactionId) window.__vitals.inp = Math.max(window.__vitals.inp, e.duration);
  }).observe({ type: 'event', buffered: true, durationThreshold: 16 });
};

const pages = [
  {
    name: 'dashboard /',
    path: '/',
    // A client-side navigation from the menu.
    interact: async (page) => page.getByRole('link', { name: 'Взносы', exact: true }).first().click(),
  },
  {
    name: '«Взносы» /contributions',
    path: '/contributions',
    // Applies a filter: one programme ticked, «Применить».
    interact: async (page) => {
      await page.locator('input[name="programme"]').first().check();
      await page.getByRole('button', { name: 'Применить' }).click();
    },
  },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
// One login; every run starts from a cold cache with the session cookie.
const login = await browser.newContext();
const lp = await login.newPage();
await lp.goto(`${base}/login`);
await lp.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
await lp.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill('demo@example.ru');
await lp.getByLabel('Пароль').fill('Kabinet-2026');
await lp.getByRole('button', { name: 'Войти' }).click();
await lp.waitForURL(`${base}/`);
const state = await login.storageState();
await login.close();

// The bundle: WASM + JS a first visit to /login downloads, as sent (brotli). Target: 300 KB.
{
  const ctx = await browser.newContext({ serviceWorkers: 'block' });
  const page = await ctx.newPage();
  const sizes = [];
  page.on('requestfinished', (req) => {
    if (/\.(wasm|js)$/.test(new URL(req.url()).pathname)) sizes.push(req.sizes().then((s) => s.responseBodySize));
  });
  await page.goto(`${base}/login`);
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  await page.waitForLoadState('networkidle');
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  console.log(`  first visit to /login: ${(bytes / 1024).toFixed(1)} KB of WASM + JS as sent (target 300 KB)`);
  await ctx.close();
}

console.log(`  ${'page'.padEnd(26)} ${'LCP ms (median / worst)'.padEnd(26)} ${'INP ms'.padEnd(16)} CLS`);
for (const p of pages) {
  const lcp = [], inp = [], cls = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ storageState: state, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.addInitScript(observe);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(base + p.path, { waitUntil: 'load' });
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
    await p.interact(page);
    await page.waitForTimeout(500);
    const v = await page.evaluate(() => window.__vitals);
    lcp.push(v.lcp); inp.push(v.inp); cls.push(v.cls);
    await context.close();
  }
  const f = (xs, d = 0) => `${median(xs).toFixed(d)} / ${Math.max(...xs).toFixed(d)}`;
  console.log(`  ${p.name.padEnd(26)} ${f(lcp).padEnd(26)} ${f(inp).padEnd(16)} ${f(cls, 3)}`);
}
await browser.close();
