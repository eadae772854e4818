import { test, expect } from '@playwright/test';
import { hydrated } from './helpers';

// The target for WASM + JS of a first page is 300 KB brotli; the app is not there yet (see
// the README's performance section). This check is the ratchet that keeps it from growing: it fails
// when the first visit downloads more than BUNDLE_BUDGET_KB, which is set just above today's figure
// and is to be lowered as the bundle shrinks, down to the 300 KB target.
const TARGET_KB = 300;
const BUDGET_KB = Number(process.env.BUNDLE_BUDGET_KB ?? 600);

test(`bundle: the WASM + JS of a first visit to /login, as sent, stays within ${BUDGET_KB} KB`, async ({ browser }) => {
  const ctx = await browser.newContext({ serviceWorkers: 'block' });
  const page = await ctx.newPage();
  const sizes: Promise<number>[] = [];
  const encodings: Promise<string>[] = [];
  page.on('requestfinished', (req) => {
    if (/\.(wasm|js)$/.test(new URL(req.url()).pathname)) {
      sizes.push(req.sizes().then((s) => s.responseBodySize));
      encodings.push(req.response().then((r) => r?.headers()['content-encoding'] ?? ''));
    }
  });
  await page.goto('/login');
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  const kb = bytes / 1024;
  // Sent compressed: the server answers the precompressed brotli files.
  expect(await Promise.all(encodings)).toContain('br');
  console.log(`  bundle: first visit to /login downloads ${kb.toFixed(1)} KB of WASM + JS (brotli); budget ${BUDGET_KB} KB, target ${TARGET_KB} KB`);
  expect(kb, `WASM + JS of the first page, KB`).toBeGreaterThan(50);
  expect(kb, `WASM + JS of the first page, KB (budget ${BUDGET_KB})`).toBeLessThanOrEqual(BUDGET_KB);
  await ctx.close();
});
