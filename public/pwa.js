// How far the app's start got, for the watchdog's report and the browser tests: each step of
// compiling and starting the WASM leaves its name and time (ms since the page began) here, so a
// start that never comes says which step it is stuck in.
const bootSteps = [];
window.__kabinetBoot = bootSteps;
function bootStep(name) { bootSteps.push(`${name}@${Math.round(performance.now())}`); }
bootStep('pwa.js');
document.addEventListener('DOMContentLoaded', () => bootStep('DOMContentLoaded'));
if (typeof WebAssembly === 'object') {
  for (const f of ['instantiateStreaming', 'compileStreaming', 'instantiate', 'compile']) {
    const original = WebAssembly[f];
    if (typeof original !== 'function') continue;
    WebAssembly[f] = function (...args) {
      bootStep(`${f}:called`);
      return original.apply(this, args).then(
        (v) => { bootStep(`${f}:done`); return v; },
        (e) => { bootStep(`${f}:failed`); throw e; },
      );
    };
  }
}
{
  const originalFetch = window.fetch;
  window.fetch = function (input, ...rest) {
    const url = typeof input === 'string' ? input : input && (input.url || input.href);
    if (!url || !String(url).endsWith('.wasm')) return originalFetch.call(this, input, ...rest);
    const name = String(url).split('/').pop().replace(/\.[\w-]{20,}\./, '.');
    bootStep(`fetch ${name}:called`);
    const loaded = originalFetch.call(this, input, ...rest).then(
      (r) => { bootStep(`fetch ${name}:${r.status}`); return r; },
      (e) => {
        bootStep(`fetch ${name}:failed`);
        // Leaving the page (the address bar, a reload, a link to another site) cancels its
        // downloads before the page is hidden: each one fails here while the page still runs
        // (the a11y test's page.goto from /contributions did this to thirteen finance chunks).
        // So a failure is reported only if the page is still here a moment later.
        // The report names the page it failed on (the link's page may have opened meanwhile).
        const path = location.pathname;
        setTimeout(() => reportError('chunk', `${name}: ${e}`, path), 2000);
        throw e;
      },
    );
    // The chunks' loader (wasm-split's makeLoad) starts a section's fetch, then waits for the
    // chunks the section shares before it hands this promise to instantiateStreaming: a failure
    // that came first would be an "unhandled" rejection, one that came later not, by timing. The
    // loader does handle it (the section is tried again, else the page loads whole), so it is
    // marked handled here, and reported above every time, as a 'chunk'.
    loaded.catch(() => {});
    return loaded;
  };
}

// What goes wrong in this browser reaches the server's log (POST /client-errors): the kind, the
// message cut short and the page's path without its query, nothing else.
let leaving = false;
// When the last navigation away began (`beforeunload`, which comes before the downloads are
// cancelled); a navigation that did not happen (a download) clears it after a while.
let leavingAt = -Infinity;
// Set by a healing path just before it loads the page again (see markReloaded below).
const RELOADED_KEY = 'kabinet-reloaded';
window.addEventListener('beforeunload', () => { leavingAt = performance.now(); });
window.addEventListener('pagehide', () => { leaving = true; });
window.addEventListener('pageshow', () => { leaving = false; leavingAt = -Infinity; });
function reportError(kind, message, path = location.pathname) {
  // A fetch cut off because the page is being left is no error of the page.
  if ((leaving || performance.now() - leavingAt < 10_000) && kind !== 'reloaded') return;
  try {
    // Nor is one cut off because a healing path is loading the page again: the page it lands on
    // reports that, as 'reloaded'.
    if (kind !== 'reloaded' && sessionStorage.getItem(RELOADED_KEY)) return;
    const body = JSON.stringify({ kind, message: String(message).slice(0, 500), path });
    navigator.sendBeacon('/client-errors', new Blob([body], { type: 'text/plain' }));
  } catch (_) {
    // Reporting must never add an error of its own.
  }
}
window.addEventListener('error', (e) => reportError('error', e.message));
window.addEventListener('unhandledrejection', (e) => {
  const r = e.reason;
  // The stack names the script and line (no personal data): where the promise was left unhandled.
  reportError('rejection', r && r.stack ? `${r}\n${String(r.stack).slice(0, 300)}` : r);
});
// The WASM's panic hook leaves its message on <body data-panic>.
new MutationObserver(() => {
  const panic = document.body.getAttribute('data-panic');
  if (panic) reportError('panic', panic);
}).observe(document.body, { attributes: true, attributeFilter: ['data-panic'] });

// Registers the service worker (offline shell, last viewed policies and documents readable offline)
// once the page has hydrated: its install fetches the shell files, which must not race the page's
// own download and start of the WASM.
if ('serviceWorker' in navigator) {
  // Then the WASM files this page loads (now and later, as sections arrive) are passed to the
  // worker to keep for offline use; it never fetches them while the page starts.
  const keepWasm = () => {
    new PerformanceObserver((list) => {
      const keep = list.getEntries().map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/pkg/') && p.endsWith('.wasm'));
      if (keep.length > 0) navigator.serviceWorker.ready.then((r) => r.active && r.active.postMessage({ keep })).catch(() => {});
    }).observe({ type: 'resource', buffered: true });
  };
  const register = () => navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(keepWasm).catch(() => {});
  const whenHydrated = () => {
    if (document.body && document.body.hasAttribute('data-hydrated')) {
      register();
      return;
    }
    new MutationObserver((_, observer) => {
      if (document.body.hasAttribute('data-hydrated')) {
        observer.disconnect();
        register();
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['data-hydrated'] });
  };
  if (document.body) whenHydrated();
  else document.addEventListener('DOMContentLoaded', whenHydrated);
}

// A page that one of the two healing paths loaded again (the watchdog below, or a section that did
// not load) says so for good: `data-reloaded` on <body> and an error in the console, which the
// browser tests treat as a failure. Healing must never hide that something went wrong.
(function markReloaded() {
  const reason = sessionStorage.getItem(RELOADED_KEY);
  if (!reason) return;
  sessionStorage.removeItem(RELOADED_KEY);
  document.body.setAttribute('data-reloaded', reason);
  console.error(`Кабинет страхователя: the page was loaded again: ${reason}`);
  reportError('reloaded', reason);
})();

// A failure while the app starts (the WASM not loading, compiling or starting) is kept on the page as
// `data-boot-error`, so a test that waits for hydration, or support reading the page, can see why.
function keepBootError(reason) {
  if (document.body && !document.body.hasAttribute('data-hydrated')) {
    document.body.setAttribute('data-boot-error', String(reason).slice(0, 300));
  }
}
window.addEventListener('unhandledrejection', (e) => keepBootError(e.reason));
window.addEventListener('error', (e) => keepBootError(e.message));

// A start that never comes (the files are here, no error, the start promise stays pending): ten
// seconds after the last file the start needs arrived with no start, the page reloads once (per
// address and tab), unless the user has begun typing into the server-rendered form.
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
    // What the start needs: the main WASM and the JS modules (the main one and the chunks'
    // loader). A start is overdue only ten seconds after the last of them arrived: on a loaded
    // machine they come one after another, and a slow download is no stalled start.
    const needed = performance.getEntriesByType('resource').filter((r) => {
      const file = r.name.split('/pkg/')[1] || '';
      return /^kabinet\.[\w-]+\.(wasm|js)$/.test(file) || file.startsWith('__wasm_split.');
    });
    const arrivedAt = Math.max(0, ...needed.map((r) => r.responseEnd || Infinity));
    const expected = document.querySelector('link[rel="modulepreload"][href*="/__wasm_split."]') ? 3 : 2;
    if (needed.length < expected || performance.now() - arrivedAt < 10000) {
      if (++checks < 120) setTimeout(check, 1000);
      return;
    }
    if (sessionStorage.getItem(KEY) === location.href) return;
    sessionStorage.setItem(KEY, location.href);
    // What had arrived, for the report: a file still downloading has no entry yet, so a main
    // module missing here was stalled, and one present was fetched but never started.
    const arrived = performance.getEntriesByType('resource')
      .filter((r) => r.name.includes('/pkg/'))
      .map((r) => `${r.name.split('/pkg/')[1].replace(/\.[\w-]{20,}\./, '.')} ${r.responseStatus || ''} ${Math.round(r.duration)}ms`)
      .join(', ');
    sessionStorage.setItem(RELOADED_KEY, `the WASM was downloaded but did not start within 10 s; steps: ${bootSteps.join(' ')}; arrived: ${arrived}`.slice(0, 480));
    location.reload();
  }
  setTimeout(check, 1000);
})();
