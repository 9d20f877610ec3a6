// account.js: sign-up, sign-in and the settings page (password, sessions,
// API tokens, and accounts for admins).
import { api } from './api.js';
import { h, append, toast, when, showFormError, formData } from './dom.js';
import { session } from './session.js';
import { bind, EVENTS } from './updates.js';
import { uploadsCard } from './uploads.js';
import { ssoSignIn, passwordsOff } from './sso.js';
import { athleteCard } from './training.js';
import { gearCard } from './gear.js';
import { replicationCard } from './replication.js';

function field(label, attrs, hint) {
  return h('label', { className: 'field' },
    h('span', {}, label),
    h('input', attrs),
    hint ? h('small', { className: 'muted' }, hint) : null);
}

/** submitting disables a form's button while its request is in flight. */
async function submitting(form, fn) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await fn();
  } catch (err) {
    showFormError(form, err);
  } finally {
    button.disabled = false;
  }
}

export function signUpPage(main) {
  if (passwordsOff()) return signInPage(main); // accounts come from single sign-on
  const first = session.instance.needs_setup;
  if (session.instance.signup !== 'open') {
    append(main, h('section', { className: 'card auth' },
      h('h1', {}, 'Sign-up is closed'),
      h('p', {}, 'Ask the admin of this fitcast to create an account for you.'),
      h('a', { href: '/login', 'data-link': true, className: 'button' }, 'Sign in')));
    return;
  }
  const form = h('form', { className: 'card auth', novalidate: true },
    h('h1', {}, first ? 'Welcome to fitcast' : 'Create your account'),
    first ? h('p', { className: 'muted' }, 'This is the first account on this fitcast, so it will be the admin.') : null,
    field('Username', { name: 'username', autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' },
      'Letters, digits, “.”, “_” or “-”.'),
    field('Password', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 },
      'At least 8 characters.'),
    h('button', { type: 'submit', className: 'primary' }, first ? 'Create admin account' : 'Create account'),
    first ? null : h('p', {}, 'Already have an account? ', h('a', { href: '/login', 'data-link': true }, 'Sign in')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await api('POST', '/api/signup', formData(form));
      session.instance.needs_setup = false;
      // Start in the browser's time zone rather than UTC; Settings can change it.
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (tz) await api('PUT', '/api/settings', { timezone: tz, units: 'metric', week_start: 'monday' }).catch(() => {});
      await session.refreshMe();
      session.navigate('/', { replace: true });
    });
  });
  append(main, form);
  form.querySelector('input').focus();
}

export function signInPage(main) {
  if (passwordsOff()) {
    append(main, h('section', { className: 'card auth' }, h('h1', {}, 'Sign in'), ssoSignIn()));
    return;
  }
  const form = h('form', { className: 'card auth', novalidate: true },
    h('h1', {}, 'Sign in'),
    ssoSignIn(),
    field('Username', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }),
    field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { type: 'submit', className: 'primary' }, 'Sign in'),
    session.instance.signup === 'open'
      ? h('p', {}, 'New here? ', h('a', { href: '/signup', 'data-link': true }, 'Create an account'))
      : null);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await api('POST', '/api/login', formData(form));
      await session.refreshMe();
      session.navigate('/', { replace: true });
    });
  });
  append(main, form);
  form.querySelector('input').focus();
}

export async function settingsPage(main) {
  const sessions = await sessionsCard();
  const tokens = await tokensCard();
  const uploads = await uploadsCard();
  const [athlete, gear] = await Promise.all([athleteCard(), gearCard()]);
  append(main, 
    h('h1', { className: 'page-title' }, 'Settings'),
    accountCard(),
    h('section', { className: 'card' }, h('h2', {}, 'Your data'),
      h('p', {}, 'Bring in years of workouts from your watch or another app, or download everything you have here.'),
      h('a', { href: '/data', 'data-link': true, className: 'button' }, 'Import & export')),
    displayCard(),
    athlete,
    gear,
    passwordsOff() ? null : passwordCard(),
    sessions,
    tokens,
    uploads,
    session.me.admin ? await usersCard() : null,
    session.me.admin ? await replicationCard() : null,
    h('p', { className: 'muted center' }, `fitcast ${session.instance.version}`));
  // Devices and tokens change from other screens too: follow them live.
  bind(main, sessions, [EVENTS.sessions], async () => [...(await sessionsCard()).childNodes]);
  bind(main, tokens, [EVENTS.tokens], () => tokens.refresh());
  bind(main, uploads, [EVENTS.uploadTokens], () => uploads.refresh());
}

function accountCard() {
  const out = h('button', { type: 'button' }, 'Sign out');
  out.addEventListener('click', async () => {
    await api('POST', '/api/logout');
    await session.refreshMe();
    session.navigate('/login', { replace: true });
  });
  return h('section', { className: 'card' },
    h('h2', {}, 'Account'),
    h('p', {}, 'Signed in as ', h('strong', {}, session.me.username), session.me.admin ? h('span', { className: 'badge' }, 'admin') : null),
    out);
}

function displayCard() {
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [session.me.timezone];
  if (!zones.includes('UTC')) zones.unshift('UTC');
  const form = h('form', { className: 'card', novalidate: true },
    h('h2', {}, 'Display'),
    h('label', { className: 'field' }, h('span', {}, 'Time zone'),
      h('select', { name: 'timezone' }, zones.map((z) => h('option', { value: z, selected: z === session.me.timezone }, z)))),
    h('label', { className: 'field' }, h('span', {}, 'Units'),
      h('select', { name: 'units' },
        h('option', { value: 'metric', selected: session.me.units === 'metric' }, 'Metric (km, kg)'),
        h('option', { value: 'imperial', selected: session.me.units === 'imperial' }, 'Imperial (mi, lb)'))),
    h('label', { className: 'field' }, h('span', {}, 'Weeks start on'),
      h('select', { name: 'week_start' },
        h('option', { value: 'monday', selected: session.me.week_start !== 'sunday' }, 'Monday'),
        h('option', { value: 'sunday', selected: session.me.week_start === 'sunday' }, 'Sunday'))),
    h('p', { className: 'muted' }, 'Days, weeks and months are cut in this time zone. Your browser says ',
      Intl.DateTimeFormat().resolvedOptions().timeZone, '.'),
    h('button', { type: 'submit' }, 'Save'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitting(form, async () => {
      session.me = await api('PUT', '/api/settings', formData(form));
      toast('Saved', 'ok');
    });
  });
  return form;
}

function passwordCard() {
  const form = h('form', { className: 'card', novalidate: true },
    h('h2', {}, 'Change password'),
    field('Current password', { name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    field('New password', { name: 'new_password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 },
      'Your other sessions will be signed out.'),
    h('button', { type: 'submit' }, 'Change password'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await api('POST', '/api/me/password', formData(form));
      form.reset();
      toast('Password changed. Other sessions were signed out.', 'ok');
      session.navigate('/settings', { replace: true });
    });
  });
  return form;
}

function describeAgent(ua) {
  if (!ua) return 'Unknown device';
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome'
    : /Safari\//.test(ua) ? 'Safari' : /curl\//.test(ua) ? 'curl' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS'
    : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

async function sessionsCard() {
  const sessions = await api('GET', '/api/sessions');
  const list = h('ul', { className: 'rows' }, sessions.map((s) => {
    const revoke = h('button', { type: 'button', className: 'small' }, s.current ? 'Sign out' : 'Revoke');
    revoke.addEventListener('click', async () => {
      await api('DELETE', `/api/sessions/${s.id}`);
      if (s.current) {
        await session.refreshMe();
        session.navigate('/login', { replace: true });
      } else {
        session.navigate('/settings', { replace: true });
      }
    });
    return h('li', {},
      h('div', {},
        h('strong', {}, describeAgent(s.user_agent)), s.current ? h('span', { className: 'badge' }, 'this device') : null,
        h('small', { className: 'muted block' }, `${s.ip} · last active ${when(s.last_seen_at)}`)),
      revoke);
  }));
  return h('section', { className: 'card' }, h('h2', {}, 'Signed-in devices'), list);
}

async function tokensCard() {
  const tokens = await api('GET', '/api/tokens');
  const reveal = h('div', { className: 'reveal', hidden: true });
  const form = h('form', { className: 'inline', novalidate: true },
    field('New token name', { name: 'name', required: true, maxlength: 100, placeholder: 'e.g. GPS logger' }),
    h('button', { type: 'submit' }, 'Create token'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitting(form, async () => {
      const t = await api('POST', '/api/tokens', formData(form));
      const code = h('code', { className: 'secret', 'data-token': true }, t.token);
      const copy = h('button', { type: 'button', className: 'small' }, 'Copy');
      copy.addEventListener('click', async () => {
        await navigator.clipboard.writeText(t.token);
        toast('Token copied');
      });
      reveal.replaceChildren(
        h('p', {}, h('strong', {}, `Token “${t.name}” created.`), ' Copy it now: it will not be shown again.'),
        h('div', { className: 'secret-row' }, code, copy),
        h('small', { className: 'muted block' }, 'Send it as: Authorization: Bearer <token>'));
      reveal.hidden = false;
      form.reset();
      list.querySelector(`[data-token-id="${t.id}"]`)?.remove(); // the live update may have come first
      list.prepend(tokenRow(t));
    });
  });
  const list = h('ul', { className: 'rows', id: 'token-list' }, tokens.map(tokenRow));
  const card = h('section', { className: 'card' },
    h('h2', {}, 'API tokens'),
    h('p', { className: 'muted' }, 'For scripts and devices that upload workouts without a browser.'),
    form, reveal, list);
  card.refresh = async () => list.replaceChildren(...(await api('GET', '/api/tokens')).map(tokenRow));
  return card;
}

function tokenRow(t) {
  const revoke = h('button', { type: 'button', className: 'small danger' }, 'Revoke');
  const row = h('li', { 'data-token-id': t.id },
    h('div', {}, h('strong', {}, t.name),
      h('small', { className: 'muted block' }, `created ${when(t.created_at)} · ${t.last_used_at ? 'last used ' + when(t.last_used_at) : 'never used'}`)),
    revoke);
  revoke.addEventListener('click', async () => {
    if (!confirm(`Revoke the token “${t.name}”? Anything using it will stop working.`)) return;
    await api('DELETE', `/api/tokens/${t.id}`);
    row.remove();
    toast('Token revoked');
  });
  return row;
}

async function usersCard() {
  const users = await api('GET', '/api/users');
  const list = h('ul', { className: 'rows' }, users.map(userRow));
  const form = h('form', { novalidate: true },
    h('h3', {}, 'Create an account'),
    field('Username', { name: 'username', required: true, maxlength: 64, autocapitalize: 'none', autocomplete: 'off' }),
    field('Password', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }),
    h('label', { className: 'check' }, h('input', { type: 'checkbox', name: 'admin' }), ' Admin'),
    h('button', { type: 'submit' }, 'Create account'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitting(form, async () => {
      const data = formData(form);
      const u = await api('POST', '/api/users', { username: data.username, password: data.password, admin: data.admin === 'on' });
      list.append(userRow(u));
      form.reset();
      toast(`Account ${u.username} created`, 'ok');
    });
  });
  return h('section', { className: 'card' }, h('h2', {}, 'Accounts'), list, form);
}

function userRow(u) {
  return h('li', {},
    h('div', {}, h('strong', {}, u.username), u.admin ? h('span', { className: 'badge' }, 'admin') : null,
      h('small', { className: 'muted block' }, `since ${when(u.created_at)}`)));
}
