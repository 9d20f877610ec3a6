// app.js: the app shell. It knows who is signed in, routes between pages
// with the History API, and hands each page the <main> element to fill.
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { signInPage, signUpPage, settingsPage } from './account.js';
import { workoutsPage, workoutFormPage, workoutDetailPage, publicWorkoutPage } from './workouts.js';
import { goalsPage, statsPage, dashboardPage } from './goals.js';
import { gamesPage, gamePage, keepScorePage, embedGamePage } from './games.js';
import { livePage, watchPage } from './live.js';
import { dataPage } from './data.js';
import { fitnessPage } from './training.js';
import { Socket } from './socket.js';

export const app = {
  /** The signed-in user ({id, username, admin}) or null. */
  me: null,
  /** What the server told us before sign-in: {signup, needs_setup, version}. */
  instance: null,
  /** The tab's one WebSocket; it follows the user's own topic while signed in. */
  socket: new Socket({ onState: showConnection }),
  navigate,
  refreshMe,
  onUserEvent,
};

// Each page renders into a view of its own inside <main>. A page still
// loading when the user moves on finishes into its detached view, and what
// it registers is ignored: only the current view hears the user's topic.
let currentView = null;
// Listeners for the user's own topic, {view, fn}, dropped when another page
// renders; and what the page on screen asked to run when it goes (a page's
// render may return such a function).
let userEventListeners = [];
let pageCleanup = null;

/** onUserEvent calls fn(event) for each change published to the user's
 * topic while view, the page's own, is on screen. */
function onUserEvent(view, fn) {
  if (view === currentView) userEventListeners.push({ view, fn });
}

function showConnection(state) {
  const el = document.getElementById('conn');
  el.dataset.state = state;
  el.title = { connecting: 'Connecting…', online: 'Live: changes appear as they happen', offline: 'Offline: reconnecting…', 'signed-out': 'Signed out' }[state];
  if (state === 'signed-out') {
    refreshMe().then(() => navigate('/login', { replace: true }));
  }
}

// Each route renders into main. public routes work signed out.
const routes = {
  '/': { nav: 'dashboard', title: 'Dashboard', render: dashboardPage },
  '/workouts': { nav: 'workouts', title: 'Workouts', render: workoutsPage },
  '/workouts/new': { nav: 'workouts', title: 'Log workout', render: workoutFormPage },
  '/goals': { nav: 'goals', title: 'Goals', render: goalsPage },
  '/stats': { nav: 'workouts', title: 'Stats', render: statsPage },
  '/fitness': { nav: 'workouts', title: 'Fitness & form', render: fitnessPage },
  '/live': { nav: 'live', title: 'Live', render: livePage },
  '/games': { nav: 'games', title: 'Games', render: gamesPage, public: true, anyone: true },
  '/settings': { nav: 'settings', title: 'Settings', render: settingsPage },
  '/data': { nav: 'settings', title: 'Import & export', render: dataPage },
  '/login': { public: true, title: 'Sign in', render: signInPage },
  '/signup': { public: true, title: 'Create account', render: signUpPage },
};

// Routes with a parameter; the first that matches wins.
const paramRoutes = [
  { pattern: /^\/workouts\/([0-9a-f-]{36})$/, keys: ['id'], nav: 'workouts', title: 'Workout', render: workoutDetailPage },
  { pattern: /^\/workouts\/([0-9a-f-]{36})\/edit$/, keys: ['id'], nav: 'workouts', title: 'Edit workout', render: workoutFormPage },
  { pattern: /^\/w\/([A-Za-z0-9_-]{20,})$/, keys: ['token'], title: 'Shared workout', render: publicWorkoutPage, public: true, anyone: true },
  { pattern: /^\/games\/([a-z0-9]{12})$/, keys: ['id'], nav: 'games', title: 'Game', render: gamePage, public: true, anyone: true },
  { pattern: /^\/games\/([a-z0-9]{12})\/keep$/, keys: ['id'], nav: 'games', title: 'Keep score', render: keepScorePage },
  { pattern: /^\/watch\/([A-Za-z0-9_-]{20,})$/, keys: ['token'], title: 'Watching live', render: watchPage, public: true, anyone: true },
  { pattern: /^\/embed\/games\/([a-z0-9]{12})$/, keys: ['id'], title: 'Scoreboard', render: embedGamePage, public: true, anyone: true },
];

/** findRoute returns the route for path and its parameters. */
function findRoute(path) {
  if (routes[path]) return [routes[path], {}];
  for (const r of paramRoutes) {
    const m = path.match(r.pattern);
    if (m) return [r, Object.fromEntries(r.keys.map((k, i) => [k, m[i + 1]]))];
  }
  return [null, {}];
}

async function refreshMe() {
  const before = app.me?.id;
  try {
    app.me = await api('GET', '/api/me');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    app.me = null;
  }
  document.getElementById('nav').hidden = !app.me;
  document.getElementById('conn').hidden = !app.me;
  if (before !== app.me?.id) {
    app.socket.unfollow('user:*');
    if (app.me) {
      app.socket.follow(`user:${app.me.id}`, {
        onMsg: (event) => userEventListeners.forEach((l) => { if (l.view === currentView) l.fn(event); }),
      });
    }
    if (app.socket.ws) app.socket.reconnect(); // as the new user, or as nobody
  }
  return app.me;
}

function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

async function render() {
  const main = document.getElementById('main');
  let path = location.pathname;
  let [route, params] = findRoute(path);
  if (!route) {
    main.replaceChildren(h('section', { className: 'card empty' },
      h('h1', {}, 'Page not found'),
      h('p', {}, 'There is nothing at ', h('code', {}, path), '.'),
      h('a', { href: '/', 'data-link': true, className: 'button' }, 'Go to the dashboard')));
    return;
  }
  if (!route.public && !app.me) {
    path = app.instance && app.instance.needs_setup ? '/signup' : '/login';
    history.replaceState(null, '', path);
    route = routes[path];
  } else if (route.public && !route.anyone && app.me) {
    path = '/';
    history.replaceState(null, '', path);
    route = routes[path];
  }
  document.title = route.title + ' · fitcast';
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === route.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = h('div', { className: 'view' });
  main.replaceChildren(view);
  currentView = view;
  userEventListeners = [];
  if (pageCleanup) pageCleanup();
  pageCleanup = null;
  try {
    const cleanup = (await route.render(view, params)) || null;
    if (view === currentView) pageCleanup = cleanup;
    else if (cleanup) cleanup(); // the user moved on while this page loaded
  } catch (err) {
    view.replaceChildren(h('section', { className: 'card error' },
      h('h1', {}, 'Something went wrong'), h('p', {}, err.message)));
  }
  if (view === currentView) main.focus({ preventScroll: true });
}

// Same-origin links marked data-link navigate without a page load.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]');
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);

async function start() {
  try {
    [app.instance] = await Promise.all([api('GET', '/api/instance'), refreshMe()]);
    if (app.me) document.documentElement.dataset.units = app.me.units;
  } catch (err) {
    document.getElementById('main').replaceChildren(h('section', { className: 'card error' },
      h('h1', {}, 'Cannot reach fitcast'), h('p', {}, err.message)));
    return;
  }
  await render();
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => { /* the app works without it */ });
}
start();
