// Кабинет страхователя: service worker. Made by the server with this build's hashed file names, so
// a new build is a new worker that replaces the old shell.
const VERSION = '__VERSION__';
const SHELL = 'kabinet-shell-' + VERSION;
const PAGES = 'kabinet-pages';
const ASSETS = __ASSETS__;
// Pages and files kept for reading without a network: policies and documents last opened.
const READABLE = /^\/(policies(\/[^/]+)?|documents|documents\/[^/]+\.pdf)$/;

// The WASM is never fetched by the worker while a page starts: the page keeps its own download,
// and once it runs it tells the worker which WASM files it used (see the 'message' handler).
self.addEventListener('install', (event) => {
  const shell = ASSETS.filter((a) => !a.endsWith('.wasm'));
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(shell)).then(() => self.skipWaiting()));
});

// A page that has started sends the WASM files it loaded ({ keep: [paths] }); they are copied
// into the shell cache from the browser's HTTP cache (hashed, immutable names), for offline use.
self.addEventListener('message', (event) => {
  const keep = event.data && Array.isArray(event.data.keep) ? event.data.keep : [];
  const paths = keep.filter((p) => typeof p === 'string' && /^\/pkg\/[\w.-]+\.wasm$/.test(p));
  if (paths.length === 0) return;
  event.waitUntil(caches.open(SHELL).then((c) => Promise.all(paths.map((p) => c.match(p).then((hit) => hit || c.add(p)))))
    .catch(() => {}));
});

// A first install does not take over the page that registered it (that page started without a
// worker and keeps its own requests); an update takes over open pages, so none mixes two builds.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then(async (keys) => {
      const older = keys.filter((k) => k.startsWith('kabinet-shell-') && k !== SHELL);
      await Promise.all(older.map((k) => caches.delete(k)));
      if (older.length > 0) await self.clients.claim();
    }),
  );
});

async function keep(request, response) {
  const headers = new Headers(response.headers);
  headers.set('x-saved-at', new Date().toISOString());
  const body = await response.blob();
  const cache = await caches.open(PAGES);
  await cache.put(request, new Response(body, { status: response.status, headers }));
}

async function fromCache(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  if (!cached) return null;
  const type = cached.headers.get('content-type') || '';
  if (!type.includes('text/html')) return cached;
  const saved = new Date(cached.headers.get('x-saved-at') || Date.now());
  const when = saved.toLocaleString('ru-RU', { timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  // The banner is drawn by the style sheet from this attribute: the page's own markup is untouched.
  const html = (await cached.text()).replace('<body', `<body data-offline-at="${when}"`);
  // The page keeps the headers it was served with, its CSP (whose nonce its scripts carry) too.
  const headers = new Headers(cached.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(html, { status: 200, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && url.pathname === '/logout') {
    // Personal pages do not outlive the session on this device.
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== 'GET') return;
  if (url.pathname.endsWith('.wasm')) {
    // The WASM and its section chunks come straight from the network and the browser's HTTP cache
    // (hashed names, immutable), never from a second fetch by the worker racing the page's own;
    // offline, the copy the pages asked the worker to keep.
    if (!self.navigator.onLine) {
      event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    }
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((r) => r || fetch(request)));
    return;
  }
  if (url.pathname.startsWith('/pkg/')) {
    // A file of this build not in the list: hashed, so kept for good once fetched.
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(SHELL).then((c) => c.put(request, copy)));
        }
        return response;
      })),
    );
    return;
  }
  const readable = READABLE.test(url.pathname);
  if (request.mode !== 'navigate' && !readable) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (readable && response.ok && !response.redirected) {
          event.waitUntil(keep(request, response.clone()));
        }
        return response;
      })
      .catch(async () => (await fromCache(request)) || (request.mode === 'navigate' ? caches.match('/offline.html') : Response.error())),
  );
});
