import { chromium, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hydrated, login, loginCitizen } from './helpers';

async function workerReady(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
}

test('installable: a manifest with Russian name and icons, a service worker, no installability errors', async ({ request }, testInfo) => {
  const res = await request.get('/manifest.webmanifest');
  expect(res.ok()).toBe(true);
  const m = await res.json();
  expect(m.name).toBe('Кабинет страхователя');
  expect(m.display).toBe('standalone');
  expect(m.start_url).toBe('/?source=pwa');
  const sizes = m.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`);
  expect(sizes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
  for (const icon of m.icons) {
    const r = await request.get(icon.src);
    expect(r.headers()['content-type']).toBe('image/png');
  }
  const sw = await request.get('/sw.js');
  expect(sw.headers()['cache-control']).toBe('no-cache');
  expect(await sw.text()).toMatch(/\/pkg\/kabinet\.[^"]+\.wasm/);

  // Chromium never offers to install from an incognito-like context: use a real profile.
  const use = testInfo.project.use;
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'kabinet-pwa-')), {
    ...use.launchOptions,
    baseURL: use.baseURL,
    locale: 'ru-RU',
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto('/login');
    await hydrated(page);
    await workerReady(page);
    const cdp = await ctx.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await ctx.close();
  }
});

test('offline: a policy list seen before reads with a «нет сети» banner; other pages show the offline page', async ({ page, context }) => {
  await loginCitizen(page);
  await page.goto('/policies');
  await hydrated(page);
  await workerReady(page);
  // Once the worker controls the page, the next visit is kept for reading offline.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Мои страховые полисы' })).toBeVisible();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await page.reload();
  await hydrated(page);

  await context.setOffline(true);
  await page.goto('/policies');
  await expect(page.getByRole('heading', { name: 'Мои страховые полисы' })).toBeVisible();
  await expect(page.locator('body')).toHaveAttribute('data-offline-at', /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);
  // The page read offline starts too: its code comes from the worker, under the CSP it was kept with.
  await hydrated(page);
  await expect(page.locator('.live-status')).toHaveText('Нет связи');
  const banner = await page.evaluate(() => getComputedStyle(document.body, '::before').content);
  expect(banner).toContain('Нет сети, данные на');
  await page.goto('/contributions');
  await expect(page.getByRole('heading', { name: 'Нет сети' })).toBeVisible();
  await context.setOffline(false);
  await page.goto('/policies');
  await expect(page.locator('body')).not.toHaveAttribute('data-offline-at');
});
