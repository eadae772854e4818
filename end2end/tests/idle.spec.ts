import { expect, test } from './fixtures';
import { login, loginCitizen } from './helpers';

// Against the second server, whose sessions end after 62 seconds without activity (on the port
// after the main one, as playwright.config.ts starts it; E2E_PORT moves both).
test.use({ baseURL: `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 1}` });

test('an idle session warns a minute ahead, can be continued, and then ends', async ({ page }) => {
  test.setTimeout(120_000);
  await loginCitizen(page);
  const warning = page.getByRole('alertdialog', { name: 'Сеанс скоро завершится' });
  await expect(warning).toBeVisible({ timeout: 15_000 });
  await expect(warning).toContainText('Из-за бездействия сеанс завершится через');
  await warning.getByRole('button', { name: 'Продолжить работу' }).click();
  await expect(warning).toBeHidden();

  // Left alone, the warning comes back and the session ends.
  await expect(warning).toBeVisible({ timeout: 15_000 });
  await expect(page).toHaveURL(/\/login\?expired=1$/, { timeout: 80_000 });
  await expect(page.getByText('Сеанс завершён из-за бездействия')).toBeVisible();
  // The server agrees: the session is gone.
  await page.goto('/policies');
  await expect(page).toHaveURL(/\/login\?next=\/policies$/);
});
