// After the whole suite: any error a browser reported to a server (POST /client-errors: a panic in
// the WASM, an uncaught script error, a page loaded again by a healing path) fails the run, even
// when every test passed. A test that provokes one on purpose takes it itself (chunks.spec.ts).
import { idlePort } from './playwright.config';

export default async function globalTeardown() {
  const port = Number(process.env.E2E_PORT ?? 3100);
  const found: string[] = [];
  for (const p of [port, idlePort]) {
    const res = await fetch(`http://127.0.0.1:${p}/dev/client-errors`);
    if (!res.ok) throw new Error(`/dev/client-errors on port ${p} answered ${res.status}`);
    const text = (await res.text()).trim();
    if (text) found.push(...text.split('\n').map((l) => `port ${p}: ${l}`));
  }
  // A page loaded again by a healing path counts as much as any other error.
  if (found.length > 0) {
    throw new Error(`browsers reported errors during the run:\n${found.join('\n')}`);
  }
}
