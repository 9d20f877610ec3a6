// sso.js: "Sign in with ..." on the sign-in page, when this fitcast has
// an OpenID provider, and the reason a single sign-on came back refused.
import { h } from './dom.js';
import { session } from './session.js';

/** ssoSignIn is the sign-in button and any error, or null without SSO. */
export function ssoSignIn() {
  const sso = session.instance.sso;
  const error = new URLSearchParams(location.search).get('sso_error');
  if (!sso && !error) return null;
  const next = new URLSearchParams(location.search).get('next') || '/';
  return h('div', { className: 'sso' },
    error ? h('p', { className: 'field-error', role: 'alert' }, error) : null,
    sso ? h('a', { className: 'button primary block', id: 'sso-sign-in', href: `${sso.url}?next=${encodeURIComponent(next)}` },
      `Sign in with ${sso.name}`) : null,
    sso && session.instance.password_login !== false ? h('p', { className: 'muted center' }, 'or with your password') : null);
}

/** passwordsOff reports whether only single sign-on is offered. */
export function passwordsOff() {
  return session.instance.password_login === false;
}
