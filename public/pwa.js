// Registers the service worker (offline shell, last viewed policies and documents readable offline).
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  });
}

// A failure while the app starts (the WASM not loading, compiling or starting) is kept on the page as
// `data-boot-error`, so a test that waits for hydration, or support reading the page, can see why.
function keepBootError(reason) {
  if (document.body && !document.body.hasAttribute('data-hydrated')) {
    document.body.setAttribute('data-boot-error', String(reason).slice(0, 300));
  }
}
window.addEventListener('unhandledrejection', (e) => keepBootError(e.reason));
window.addEventListener('error', (e) => keepBootError(e.message));

// A start that never comes: now and then Chromium downloads the WASM and never runs it (no error, the
// start promise stays pending). Ten seconds after the download with no start, the page reloads once
// (per address and tab), unless the user has begun typing into the server-rendered form.
(function startWatchdog() {
  const KEY = 'kabinet-start-retry';
  let typed = false;
  let checks = 0;
  document.addEventListener('input', () => { typed = true; }, { capture: true, once: true });
  function check() {
    const body = document.body;
    if (!body || body.hasAttribute('data-wasm')) {
      sessionStorage.removeItem(KEY);
      return;
    }
    if (body.hasAttribute('data-boot-error') || typed) return;
    const wasm = performance.getEntriesByType('resource').find((r) => r.name.includes('/pkg/') && r.name.endsWith('.wasm'));
    if (!wasm || !wasm.responseEnd || performance.now() - wasm.responseEnd < 10000) {
      if (++checks < 120) setTimeout(check, 1000);
      return;
    }
    if (sessionStorage.getItem(KEY) === location.href) return;
    sessionStorage.setItem(KEY, location.href);
    location.reload();
  }
  setTimeout(check, 1000);
})();
