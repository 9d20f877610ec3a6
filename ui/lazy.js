// lazy.js: the map and chart libraries, loaded only by the pages that draw
// a map or a chart, and only once. The sign-in page, the dashboard and the
// scoreboards never fetch them. They are the libraries' own minified
// builds, which attach themselves to window (L, uPlot), so they load as
// classic scripts from our own origin (CSP: script-src 'self').
const pending = new Map();

function once(key, start) {
  if (!pending.has(key)) {
    const p = start();
    p.catch(() => pending.delete(key)); // a failed load may be tried again
    pending.set(key, p);
  }
  return pending.get(key);
}

function script(src) {
  return once(src, () => new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.onload = resolve;
    el.onerror = () => { el.remove(); reject(new Error(`Could not load ${src}; check your connection.`)); };
    document.head.append(el);
  }));
}

function stylesheet(href) {
  return once(href, () => new Promise((resolve, reject) => {
    const el = document.createElement('link');
    el.rel = 'stylesheet';
    el.href = href;
    el.onload = resolve;
    el.onerror = () => { el.remove(); reject(new Error(`Could not load ${href}`)); };
    // Before style.css, so the app's own rules win over the library's.
    document.head.insertBefore(el, document.querySelector('link[href="/style.css"]'));
  }));
}

/** leaflet resolves to Leaflet's L once its script and styles are in. */
export async function leaflet() {
  await Promise.all([script('/vendor/leaflet/leaflet.js'), stylesheet('/vendor/leaflet/leaflet.css')]);
  return window.L;
}

/** uplot resolves to the uPlot constructor once its script and styles are in. */
export async function uplot() {
  await Promise.all([script('/vendor/uplot/uPlot.iife.min.js'), stylesheet('/vendor/uplot/uPlot.min.css')]);
  return window.uPlot;
}
