// Every test fails on an error in any of its pages: an uncaught exception, a console error (a
// hydration mismatch, a WASM panic's message, a healing reload's mark), in the default page and in
// every context the test opens itself. A test that provokes one on purpose says which with
// `allowConsoleErrors`. A resource the server refused ("Failed to load resource: … 404") is not one:
// the tests that ask for refused addresses assert the status themselves.
import { test as base, expect, BrowserContext } from '@playwright/test';

let allowed: RegExp[] = [];

/** Lets the running test's pages log errors matching `pattern` (a failure it provokes itself). */
export function allowConsoleErrors(pattern: RegExp) {
  allowed.push(pattern);
}

export const test = base.extend<{ pageErrors: void }>({
  pageErrors: [
    async ({ browser, context }, use) => {
      allowed = [];
      const errors: string[] = [];
      const watch = (ctx: BrowserContext) => {
        ctx.on('weberror', (e) => errors.push(`uncaught on ${e.page()?.url()}: ${e.error().message.slice(0, 300)}`));
        ctx.on('console', (m) => {
          if (m.type() !== 'error') return;
          const text = m.text();
          if (text.startsWith('Failed to load resource:')) return;
          errors.push(`console error on ${m.page()?.url()}: ${text.slice(0, 300)}`);
        });
      };
      watch(context);
      const newContext = browser.newContext;
      browser.newContext = async (...args: Parameters<typeof newContext>) => {
        const ctx = await newContext.apply(browser, args);
        watch(ctx);
        return ctx;
      };
      try {
        await use();
      } finally {
        browser.newContext = newContext;
      }
      expect(errors.filter((e) => !allowed.some((p) => p.test(e))), 'errors in the pages').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
