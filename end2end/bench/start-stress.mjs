// Loads cabinet pages again and again in parallel browser contexts, as the browser suite does, and
// counts the starts that never come (a page whose WASM does not start within 15 s, or that the
// watchdog in public/pwa.js had to load again). For each such start it prints the steps the start
// got through (window.__kabinetBoot) and what had arrived, so the stuck step is named.
//   node end2end/bench/start-stress.mjs http://127.0.0.1:3000 [loads=300] [parallel=4] [chromium flags…]
import { chromium } from '@playwright/test';

const [base = 'http://127.0.0.1:3000', loadsArg = '300', parallelArg = '4', ...flags] = process.argv.slice(2);
const loads = Number(loadsArg);
const parallel = Number(parallelArg);
const pages = ['/login', '/register', '/recover', '/recover/manual'];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', ...flags],
});
let done = 0;
let stuck = 0;
const times = [];
const slowest = [];
async function worker(w) {
  while (done < loads) {
    const i = done++;
    // A new context each time, as each test has: an empty cache and no service worker.
    const context = await browser.newContext({ locale: 'ru-RU' });
    const page = await context.newPage();
    const started = Date.now();
    try {
      await page.goto(base + pages[i % pages.length]);
      await page.locator('body[data-wasm]').waitFor({ state: 'attached', timeout: 15_000 });
      const reloaded = await page.evaluate(() => document.body.getAttribute('data-reloaded'));
      if (reloaded) {
        stuck++;
        console.log(`load ${i} (${pages[i % pages.length]}): started only after a reload: ${reloaded}`);
      } else {
        times.push(Date.now() - started);
        slowest.push([Date.now() - started, i, await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const res = performance.getEntriesByType('resource').filter((r) => /kabinet|__wasm_split\.|pwa\.js/.test(r.name))
            .map((r) => `${r.name.split('/').pop().replace(/\.[\w-]{20,}\./, '.')} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)}`);
          return `document ${Math.round(nav.responseStart)}-${Math.round(nav.responseEnd)} interactive ${Math.round(nav.domInteractive)}; ${res.join(', ')}; ${window.__kabinetBoot.filter((s) => !/chunk_/.test(s)).slice(0, 8).join(' ')}`;
        })]);
        slowest.sort((a, b) => b[0] - a[0]);
        slowest.length = Math.min(slowest.length, 3);
      }
    } catch (e) {
      stuck++;
      const state = await page.evaluate(() => ({
        steps: window.__kabinetBoot,
        pkg: performance.getEntriesByType('resource').filter((r) => r.name.includes('/pkg/'))
          .map((r) => `${r.name.split('/pkg/')[1]} ${r.responseStatus} ${Math.round(r.duration)}ms`),
      })).catch((err) => `unreadable: ${err}`);
      console.log(`load ${i} (${pages[i % pages.length]}): no start in 15 s: ${JSON.stringify(state)}`);
    }
    await context.close();
  }
}
await Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)));
await browser.close();
times.sort((a, b) => a - b);
for (const [ms, i, steps] of slowest) console.log(`slow: load ${i} started after ${ms} ms: ${steps}`);
const p = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
console.log(`${loads} loads, ${parallel} at a time, flags [${flags.join(' ')}]: ${stuck} starts never came; ` +
  `time to start p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`);
