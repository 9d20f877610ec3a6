// sw.js: makes fitcast installable and lets the app shell open offline.
// The shell is fetched from the network first, so a new release shows up at
// once; the cache is only the fallback. The API and sockets are never cached.
const CACHE = 'fitcast-shell-v15';
// The shell: what every page needs to open. A page's own module, and the
// map and chart libraries, are kept once the page has fetched them (the
// fetch handler below), so a first visit to the sign-in page downloads
// neither the workout pages nor the libraries, and a page visited once
// opens offline.
const SHELL = [
  '/index.html', '/app.js', '/api.js', '/dom.js', '/session.js', '/updates.js', '/events.js', '/catalog.js', '/socket.js', '/format.js',
  '/icons.js', '/lazy.js', '/style.css',
  '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws') ||
      url.pathname === '/healthz' || url.pathname === '/metrics') return;
  event.respondWith((async () => {
    try {
      const res = await fetch(event.request);
      if (res.ok) {
        const cache = await caches.open(CACHE);
        cache.put(event.request.mode === 'navigate' ? '/index.html' : event.request, res.clone());
      }
      return res;
    } catch (err) {
      const cached = await caches.match(event.request.mode === 'navigate' ? '/index.html' : event.request);
      if (cached) return cached;
      throw err;
    }
  })());
});
