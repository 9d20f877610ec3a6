// app.js: the app shell. It routes between pages with the History API and
// hands each page the <main> element to fill; session.js knows who is signed in.
import { api } from './api.js';
import { h } from './dom.js';
import { session, setRouter } from './session.js';
import { enter, listen, is, EVENTS } from './updates.js';

// Each page's module loads the first time the page is shown, so the
// sign-in page does not download the workout pages, nor a scoreboard the
// live recorder: page(load, name) is a render function that does that.
const page = (load, name) => async (view, params) => (await load())[name](view, params);
const account = () => import('./account.js');
const workouts = () => import('./workouts.js');
const goals = () => import('./goals.js');
const games = () => import('./games.js');
const record = () => import('./record.js');
const watch = () => import('./watch.js');
const data = () => import('./data.js');
const training = () => import('./training.js');
const signInPage = page(account, 'signInPage');
const signUpPage = page(account, 'signUpPage');
const settingsPage = page(account, 'settingsPage');
const workoutsPage = page(workouts, 'workoutsPage');
const workoutFormPage = page(workouts, 'workoutFormPage');
const workoutDetailPage = page(workouts, 'workoutDetailPage');
const publicWorkoutPage = page(workouts, 'publicWorkoutPage');
const goalsPage = page(goals, 'goalsPage');
const statsPage = page(goals, 'statsPage');
const dashboardPage = page(goals, 'dashboardPage');
const gamesPage = page(games, 'gamesPage');
const gamePage = page(games, 'gamePage');
const keepScorePage = page(games, 'keepScorePage');
const embedGamePage = page(games, 'embedGamePage');
const livePage = page(record, 'livePage');
const watchPage = page(watch, 'watchPage');
const dataPage = page(data, 'dataPage');
const fitnessPage = page(training, 'fitnessPage');

session.socket.onState = showConnection;
setRouter(navigate);

// What the page on screen asked to run when it goes (a page's render may
// return such a function). Each page renders into a view of its own inside
// <main>; a page still loading when the user moves on finishes into its
// detached view, and what it binds to live updates is ignored (updates.js).
let currentView = null;
let pageCleanup = null;

function showConnection(state) {
  const el = document.getElementById('conn');
  el.dataset.state = state;
  el.title = { connecting: 'Connecting…', online: 'Live: changes appear as they happen', offline: 'Offline: reconnecting…', 'signed-out': 'Signed out' }[state];
  if (state === 'signed-out') {
    session.refreshMe().then(() => navigate('/login', { replace: true }));
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

// Pages where a redraw would lose what the user is doing (a form half
// filled, a session being recorded): they read the settings as they go.
const keepOnSettings = /^\/(live|settings|data|workouts\/new|workouts\/[0-9a-f-]{36}\/edit|games\/[a-z0-9]{12}\/keep)$/;

/**
 * Units, time zone and week start changed on any screen of the user's
 * reach every open screen: it redraws its page in them at once (session.js
 * has applied them).
 */
listen((event) => {
  if (!is(event, EVENTS.settingsChanged) || !session.me || !event.settings) return;
  document.documentElement.dataset.units = session.me.units;
  if (!keepOnSettings.test(location.pathname)) render();
});

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
  if (!route.public && !session.me) {
    path = session.instance && session.instance.needs_setup ? '/signup' : '/login';
    history.replaceState(null, '', path);
    route = routes[path];
  } else if (route.public && !route.anyone && session.me) {
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
  enter(view);
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
    [session.instance] = await Promise.all([api('GET', '/api/instance'), session.refreshMe()]);
    if (session.me) document.documentElement.dataset.units = session.me.units;
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
