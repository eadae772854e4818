import { Browser, BrowserContextOptions } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, login, loginCitizen } from './helpers';

// The budget: the WASM + JS a first page downloads, brotli-compressed as sent, is at most
// 300 KB. Pages load in section chunks (app::sections), so a first visit fetches the shell and its
// own section. Measured for the pages people start on: the login page, and the overview and «Мои
// страховые полисы» of someone whose session is still open.
const TARGET_KB = 300;
const BUDGET_KB: Record<string, number> = {
  '/login': TARGET_KB,
  '/': TARGET_KB,
  '/policies': TARGET_KB,
};

async function firstVisit(browser: Browser, path: string, options: BrowserContextOptions = {}) {
  const ctx = await browser.newContext({ ...options, serviceWorkers: 'block' });
  const page = await ctx.newPage();
  const files: Promise<[string, number, string]>[] = [];
  page.on('requestfinished', (req) => {
    const name = new URL(req.url()).pathname;
    if (/\.(wasm|js)$/.test(name)) {
      files.push(
        Promise.all([req.sizes(), req.response()]).then(([s, r]) => [name, s.responseBodySize, r?.headers()['content-encoding'] ?? '']),
      );
    }
  });
  await page.goto(path);
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  const got = await Promise.all(files);
  await ctx.close();
  return got;
}

for (const start of ['/login', '/', '/policies']) {
  test(`bundle: a first visit to ${start} downloads at most ${BUDGET_KB[start]} KB of WASM + JS`, async ({ browser }) => {
    let options: BrowserContextOptions = {};
    if (start !== '/login') {
      const ctx = await browser.newContext({ serviceWorkers: 'block' });
      const page = await ctx.newPage();
      await loginCitizen(page);
      options = { storageState: await ctx.storageState() };
      await ctx.close();
    }
    const files = await firstVisit(browser, start, options);
    const kb = files.reduce((a, [, size]) => a + size, 0) / 1024;
    // Sent compressed: the server answers the precompressed brotli files.
    expect(files.filter(([name]) => name.endsWith('.wasm')).map(([, , enc]) => enc)).not.toContain('');
    console.log(
      `  bundle: first visit to ${start}: ${kb.toFixed(1)} KB of WASM + JS (brotli) in ${files.length} files; budget ${BUDGET_KB[start]} KB`,
    );
    // The shell and the page's section: never the whole cabinet.
    expect(files.filter(([name]) => /\/split_/.test(name)).length, 'section chunks fetched').toBeGreaterThan(0);
    expect(kb, 'WASM + JS of the first page, KB').toBeGreaterThan(50);
    expect(kb, `WASM + JS of the first page, KB (budget ${BUDGET_KB[start]})`).toBeLessThanOrEqual(BUDGET_KB[start]);
  });
}
