// Logs in new demo citizens and opens «Взносы» and a contribution sheet again and again in three
// parallel contexts (service worker on), and counts the sheet pages that arrived without the page
// CSP (its nonce). Found 1 in 108 before the server's page_csp layer, 0 in 225 after.
//   node end2end/bench/csp-loop.mjs   (a demo server at http://127.0.0.1:3300)
import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
let bad = 0, total = 0;
async function run(w) {
  for (let k = 0; k < 25; k++) {
    const c = await b.newContext({ baseURL: 'http://127.0.0.1:3300' });
    const p = await c.newPage();
    const email = (await (await p.request.post('/dev/citizen')).text()).split(' ')[0];
    await p.goto('/login');
    await p.locator('body[data-hydrated]').waitFor({ state: 'attached' });
    await p.getByLabel('E-mail, телефон, СНИЛС или ИНН').fill(email);
    await p.getByLabel('Пароль').fill('Kabinet-2026');
    await p.getByRole('button', { name: 'Войти' }).click();
    await p.waitForURL(/\/$/);
    for (let i = 0; i < 3; i++) {
      const r1 = await p.goto('/contributions');
      await p.locator('body[data-hydrated]').waitFor({ state: 'attached' });
      const href = await p.locator('tbody td[data-label="Дата начисления"] a').first().getAttribute('href');
      const r = await p.goto(href);
      total++;
      const csp = (await r.allHeaders())['content-security-policy'] || '';
      if (!csp.includes('nonce-')) {
        bad++;
        console.log(`bad: sw=${r.fromServiceWorker()} status=${r.status()} csp=${csp.slice(0, 60)} headers=${JSON.stringify(await r.allHeaders()).slice(0, 400)}`);
      }
    }
    await c.close();
  }
}
await Promise.all([0, 1, 2].map(run));
console.log(`${bad}/${total} without the page CSP`);
await b.close();
