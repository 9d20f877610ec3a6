// updates.js: live updates, one way. The tab's one socket lives here, and
// bind() ties a card of a page to the events it cares about on the user's
// own topic: such an event refreshes that card alone, so the rest of the
// page (the scroll position, a half-typed field) stays as it is. follow()
// is the same for a topic of its own (a game, a session being watched):
// it ends when its page goes.
import { Events } from './events.js';
import { Socket } from './socket.js';

/**
 * EVENTS names the events of the user's topic this UI acts on, and the
 * families it binds cards to, from the one list of names the server uses
 * (events.js, mirrored by events.go; docs/protocol.md). A family is the
 * list of the events it holds.
 */
export const EVENTS = Object.freeze({
  settingsChanged: Events.SettingsChanged,
  importProgress: Events.ImportProgress,
  trainingUpdated: Events.TrainingUpdated,
  workoutDeleted: Events.WorkoutDeleted,
  sportCreated: Events.SportCreated,
  exerciseCreated: Events.ExerciseCreated,
  liveStarted: Events.LiveStarted,
  liveSamples: Events.LiveSamples,
  liveSet: Events.LiveSet,
  livePaused: Events.LivePaused,
  liveLive: Events.LiveResumed,
  liveFinished: Events.LiveFinished,
  workouts: family('Workout'),
  goals: family('Goal'),
  weights: family('Weight'),
  sessions: family('Session'),
  tokens: family('Token'),
  uploadTokens: family('UploadToken'),
});

/**
 * SESSION_MESSAGES names the messages of a live session's own topic
 * (workout:<id>, docs/protocol.md) that the UI reads, by their "type".
 */
export const SESSION_MESSAGES = Object.freeze({
  samples: Events.ViewSamples,
  set: Events.ViewSet,
});

/**
 * family lists the event names whose keys in Events start with one of
 * prefixes followed by a capital (so 'Token' is not 'TokenX' of another
 * family: UploadToken events start with 'Upload').
 */
function family(...prefixes) {
  return Object.freeze(Object.entries(Events)
    .filter(([key]) => prefixes.some((p) => key === p || (key.startsWith(p) && /^[A-Z]/.test(key.slice(p.length)))))
    .map(([, name]) => name));
}

/** socket is the tab's one WebSocket (socket.js). */
export const socket = new Socket();

/** is reports whether event is one of names (EVENTS values: names or families). */
export function is(event, ...names) {
  const type = event?.type || '';
  return names.flat().includes(type);
}

// The view on screen: only its bindings hear events. Bindings of a view
// still loading when the user moves on are never made.
let current = null;
let bindings = []; // {view, names, run}
let follows = []; // {view, topic}
const everywhere = [];

/**
 * enter makes view the one on screen: the previous page's bindings are
 * dropped and the topics it followed unfollowed. The shell calls it on
 * each page it shows.
 */
export function enter(view) {
  current = view;
  bindings = [];
  const gone = follows;
  follows = [];
  for (const f of gone) socket.unfollow(f.topic);
}

/** listen calls fn(event) for every event of the user's topic, on any page. */
export function listen(fn) {
  everywhere.push(fn);
}

/**
 * bind keeps card, a part of view, current: each event named in names
 * (EVENTS values) calls refresh(event). What refresh returns (a node, a
 * list of them), once its promise settles, replaces the card's children;
 * when it returns nothing it has updated the card itself. Refreshes of a
 * card run one after another in the order their events came. card may be
 * null for a binding that updates parts of a page itself. It returns what
 * undoes the binding, for a card the page itself replaces.
 */
export function bind(view, card, names, refresh) {
  if (view !== current) return () => {};
  let chain = Promise.resolve();
  const b = {
    view, names,
    run: (event) => {
      chain = chain.then(async () => {
        if (view !== current) return;
        const out = await refresh(event);
        if (out !== undefined && out !== null && card && view === current) card.replaceChildren(...[out].flat().filter(Boolean));
      }).catch((err) => console.warn('fitcast: a live update failed:', err));
    },
  };
  bindings.push(b);
  return () => { bindings = bindings.filter((x) => x !== b); };
}

/**
 * follow subscribes to topic (handlers as socket.js's follow takes them)
 * for as long as view is on screen.
 */
export function follow(view, topic, handlers) {
  if (view !== current) return;
  follows.push({ view, topic });
  socket.follow(topic, handlers);
}

/** dispatch hands an event of the user's topic to whoever listens. */
export function dispatch(event) {
  for (const fn of everywhere) fn(event);
  for (const b of bindings) if (b.view === current && is(event, ...b.names)) b.run(event);
}
