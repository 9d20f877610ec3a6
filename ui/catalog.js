// catalog.js: the signed-in user's sports and exercises (GET /api/sports,
// GET /api/exercises), fetched once and shared by every page that names a
// sport or lists exercises. A sport or exercise added on any screen of the
// user's (sport.created, exercise.created) makes the next ask fetch again,
// as does signing in as someone else (forgetCatalog).
import { api } from './api.js';
import { listen, is, EVENTS } from './updates.js';

const cache = new Map(); // path -> promise of the list

function load(path) {
  if (!cache.has(path)) {
    const p = api('GET', path);
    p.catch(() => { if (cache.get(path) === p) cache.delete(path); }); // a failed fetch is tried again
    cache.set(path, p);
  }
  return cache.get(path);
}

/** sports resolves to the user's sports, built-in and their own. */
export const sports = () => load('/api/sports');

/** exercises resolves to the user's exercises, built-in and their own. */
export const exercises = () => load('/api/exercises');

/** catalog resolves to {sports, exercises}. */
export async function catalog() {
  const [s, e] = await Promise.all([sports(), exercises()]);
  return { sports: s, exercises: e };
}

/** forgetCatalog drops what is kept, for another user's sign-in. */
export function forgetCatalog() {
  cache.clear();
}

listen((event) => {
  if (is(event, EVENTS.sportCreated)) cache.delete('/api/sports');
  if (is(event, EVENTS.exerciseCreated)) cache.delete('/api/exercises');
});
