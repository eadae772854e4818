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
