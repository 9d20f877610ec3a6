// session.js: who is signed in and how this fitcast is set up, the state
// the shell and every page share. It imports no page and not the shell, so
// pages import it without a circle: the shell gives it the router
// (setRouter) once it starts.
import { api, ApiError } from './api.js';
import { socket, dispatch, EVENTS, is } from './updates.js';
import { forgetCatalog } from './catalog.js';

let router = () => {};

export const session = {
  /** The signed-in user ({id, username, admin, units, timezone, ...}) or null. */
  me: null,
  /** What the server told us before sign-in: {signup, needs_setup, version, tiles, sso, ...}. */
  instance: null,
  /** The tab's one WebSocket; it follows the user's own topic while signed in. */
  socket,
  /** navigate shows path, as a link would (the shell's router). */
  navigate: (path, opts) => router(path, opts),
  refreshMe,
};

/** setRouter is how the shell hands over its navigate. */
export function setRouter(fn) {
  router = fn;
}

/**
 * refreshMe asks the server who is signed in, shows or hides what only a
 * signed-in user sees, and follows that user's topic (as nobody, none).
 */
async function refreshMe() {
  const before = session.me?.id;
  try {
    session.me = await api('GET', '/api/me');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    session.me = null;
  }
  document.getElementById('nav').hidden = !session.me;
  document.getElementById('conn').hidden = !session.me;
  if (before !== session.me?.id) {
    forgetCatalog();
    socket.unfollow('user:*');
    if (session.me) {
      socket.follow(`user:${session.me.id}`, {
        onMsg: (event) => {
          // Settings apply before anyone hears the event, so what redraws
          // on it redraws in the new units.
          if (is(event, EVENTS.settingsChanged) && session.me && event.settings) Object.assign(session.me, event.settings);
          dispatch(event);
        },
      });
    }
    if (socket.ws) socket.reconnect(); // as the new user, or as nobody
  }
  return session.me;
}
