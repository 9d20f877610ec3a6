// workouts.js: logging workouts, the history (list, calendar, year), a
// workout's page with chart and map, records, and the public page.
import { api } from './api.js';
import { h, append, toast, showFormError, formData } from './dom.js';
import { session } from './session.js';
import { catalog as sharedCatalog } from './catalog.js';
import { bind, EVENTS } from './updates.js';
import * as f from './format.js';
import { chart, map, hasRoute } from './track.js';
import { trainingSection } from './training.js';
import { gearPicker, gearLine } from './gear.js';
import { icon as svgIcon, sportIcon } from './icons.js';

let catalog = null; // {sports, exercises} (catalog.js), as the page on screen read them

async function loadCatalog() {
  catalog = await sharedCatalog();
  return catalog;
}

const sportOf = (key) => catalog?.sports.find((s) => s.key === key) || { key, name: key.replaceAll('_', ' '), kind: 'duration' };
const exerciseName = (key) => catalog?.exercises.find((e) => e.key === key)?.name || key;

const icon = (key) => sportIcon(key);

/** summary is a workout's one-line numbers. */
function summary(w) {
  const kind = sportOf(w.sport).kind;
  // Moving time first, with the elapsed time beside it when they differ
  // (as Strava and Garmin show both); pace and speed are over moving time.
  const time = paused(w) ? w.moving_s : w.duration_s;
  const parts = [paused(w) ? `${f.duration(w.moving_s)} moving (${f.duration(w.duration_s)} elapsed)` : f.duration(w.duration_s)];
  if (w.distance_m) {
    parts.push(f.distance(w.distance_m));
    parts.push(f.rate(sportOf(w.sport), w.distance_m, time));
  }
  if (kind === 'strength' && w.set_count) parts.push(f.plural(w.set_count, 'set'));
  return parts.join(' · ');
}

/** paused tells a workout whose moving time is a second or more short of its elapsed time. */
const paused = (w) => w.moving_s != null && w.moving_s > 0 && w.duration_s - w.moving_s >= 1;

function workoutRow(w) {
  return h('li', {},
    h('a', { href: `/workouts/${w.id}`, 'data-link': true, className: 'workout-row' },
      h('span', { className: 'sport-icon', 'aria-hidden': 'true' }, icon(w.sport)),
      h('span', { className: 'grow' },
        h('strong', {}, w.title || sportOf(w.sport).name),
        h('small', { className: 'muted block' }, `${f.day(w.start)} · ${summary(w)}`))));
}

// ---- History -------------------------------------------------------------

export async function workoutsPage(main) {
  await loadCatalog();
  const view = new URLSearchParams(location.search).get('view') || 'list';
  const tabs = h('nav', { className: 'tabs' }, ['list', 'calendar', 'year', 'records'].map((v) =>
    h('a', { href: `/workouts?view=${v}`, 'data-link': true, 'aria-current': v === view ? 'page' : null }, v[0].toUpperCase() + v.slice(1))),
  h('a', { href: '/stats', 'data-link': true }, 'Stats'), h('a', { href: '/fitness', 'data-link': true }, 'Fitness'));
  append(main, 
    h('div', { className: 'page-head' },
      h('h1', { className: 'page-title' }, 'Workouts'),
      h('a', { href: '/workouts/new', 'data-link': true, className: 'button primary-small' }, '+ Log workout')),
    tabs);
  const body = h('div');
  append(main, body);
  // A workout saved or deleted on any screen redraws the view's cards; the
  // list's filters, maybe half typed, stay as they are.
  let card = body;
  let draw;
  if (view === 'calendar') draw = calendarView;
  else if (view === 'year') draw = yearView;
  else if (view === 'records') draw = recordsView;
  else {
    card = h('div');
    await listFilters(body);
    body.append(card);
    draw = listView;
  }
  await draw(card);
  bind(main, card, [EVENTS.workouts], async () => {
    const fresh = h('div');
    await draw(fresh, card.querySelectorAll('#workout-list > li').length); // as many rows as were loaded
    return [...fresh.childNodes];
  });
}

// listFilters is the history list's filter form; it shows the list its
// query asks for (listView reads the query from the address).
async function listFilters(body) {
  const params = new URLSearchParams(location.search);
  const filters = h('form', { className: 'filters card' },
    h('select', { name: 'sport', 'aria-label': 'Sport' },
      h('option', { value: '' }, 'All sports'),
      catalog.sports.map((s) => h('option', { value: s.key, selected: params.get('sport') === s.key }, s.name))),
    h('input', { name: 'q', type: 'search', placeholder: 'Search titles and notes', value: params.get('q') || '', 'aria-label': 'Search' }),
    h('input', { name: 'from', type: 'date', value: params.get('from') || '', 'aria-label': 'From' }),
    h('input', { name: 'to', type: 'date', value: params.get('to') || '', 'aria-label': 'To' }),
    h('button', { type: 'submit' }, 'Filter'));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ view: 'list' });
    for (const [k, v] of Object.entries(formData(filters))) if (v) q.set(k, v);
    session.navigate('/workouts?' + q);
  });
  body.append(filters);
}

async function listView(body, shown = 0) {
  const params = new URLSearchParams(location.search);
  const list = h('ul', { className: 'rows card', id: 'workout-list' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  body.append(list, more);
  const query = new URLSearchParams({ limit: Math.min(200, Math.max(30, shown)) });
  for (const k of ['sport', 'q', 'from', 'to']) if (params.get(k)) query.set(k, params.get(k));
  if (query.get('to')) query.set('to', f.fromLocalInput(query.get('to') + 'T23:59').slice(0, 19) + 'Z');
  if (query.get('from')) query.set('from', f.fromLocalInput(query.get('from') + 'T00:00').slice(0, 19) + 'Z');
  const load = async (cursor) => {
    if (cursor) query.set('cursor', cursor);
    const page = await api('GET', '/api/workouts?' + query);
    list.append(...page.items.map(workoutRow));
    if (!list.children.length) list.append(h('li', { className: 'muted' }, 'No workouts yet. Log your first one!'));
    more.hidden = !page.next_cursor;
    more.onclick = () => load(page.next_cursor);
  };
  await load();
}

async function calendarView(body) {
  const params = new URLSearchParams(location.search);
  const month = params.get('month') || f.localDate(new Date()).slice(0, 7);
  const cal = await api('GET', `/api/calendar?month=${month}`);
  const byDate = Object.fromEntries(cal.days.map((d) => [d.date, d]));
  const [y, m] = month.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1, 1));
  const daysIn = new Date(Date.UTC(y, m, 0)).getUTCDate();
  // Weeks start on the user's day (Settings), Monday unless they chose Sunday.
  const sunday = session.me?.week_start === 'sunday';
  const lead = sunday ? first.getUTCDay() : (first.getUTCDay() + 6) % 7;
  const dayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  if (sunday) dayNames.unshift(dayNames.pop());
  const shift = (n) => {
    const d = new Date(Date.UTC(y, m - 1 + n, 1));
    return d.toISOString().slice(0, 7);
  };
  const title = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(first);
  const grid = h('div', { className: 'calendar', role: 'grid', 'aria-label': title },
    dayNames.map((d) => h('div', { className: 'cal-head' }, d)),
    Array.from({ length: lead }, () => h('div', { className: 'cal-day empty' })),
    Array.from({ length: daysIn }, (_, i) => {
      const date = `${month}-${String(i + 1).padStart(2, '0')}`;
      const d = byDate[date];
      return h('div', { className: 'cal-day' + (d ? ' active' : ''), 'data-date': date },
        h('span', { className: 'cal-num' }, String(i + 1)),
        d ? d.workouts.map((w) => h('a', { href: `/workouts/${w.id}`, 'data-link': true, className: 'cal-workout', title: `${sportOf(w.sport).name} · ${summary(w)}` }, icon(w.sport))) : null);
    }));
  body.append(h('section', { className: 'card' },
    h('div', { className: 'page-head' },
      h('a', { href: `/workouts?view=calendar&month=${shift(-1)}`, 'data-link': true, className: 'button', 'aria-label': 'Previous month' }, '‹'),
      h('h2', {}, title),
      h('a', { href: `/workouts?view=calendar&month=${shift(1)}`, 'data-link': true, className: 'button', 'aria-label': 'Next month' }, '›')),
    grid,
    h('p', { className: 'muted' }, `${f.plural(cal.days.reduce((n, d) => n + d.count, 0), 'workout')} · ${f.duration(cal.days.reduce((n, d) => n + d.duration_s, 0))} · ${f.distance(cal.days.reduce((n, d) => n + d.distance_m, 0))}`)));
}

async function yearView(body) {
  const params = new URLSearchParams(location.search);
  const year = Number(params.get('year')) || Number(f.localDate(new Date()).slice(0, 4));
  const data = await api('GET', `/api/heatmap?year=${year}`);
  const byDate = Object.fromEntries(data.days.map((d) => [d.date, d]));
  const max = Math.max(1, ...data.days.map((d) => d.duration_s));
  const jan1 = new Date(Date.UTC(year, 0, 1));
  const lead = session.me?.week_start === 'sunday' ? jan1.getUTCDay() : (jan1.getUTCDay() + 6) % 7; // weeks start on the user's day
  const cells = [];
  for (let i = 0; i < lead; i++) cells.push(h('span', { className: 'heat-cell none' }));
  for (let d = new Date(jan1); d.getUTCFullYear() === year; d.setUTCDate(d.getUTCDate() + 1)) {
    const date = d.toISOString().slice(0, 10);
    const e = byDate[date];
    const level = e ? Math.min(4, 1 + Math.floor((e.duration_s / max) * 4)) : 0;
    cells.push(h('span', { className: `heat-cell l${level}`, title: e ? `${date}: ${f.plural(e.count, 'workout')}, ${f.duration(e.duration_s)}` : date, 'data-date': date }));
  }
  const grid = h('div', { className: 'heatmap', role: 'img', 'aria-label': `Activity in ${year}` }, cells);
  requestAnimationFrame(() => { grid.scrollLeft = grid.scrollWidth; }); // recent weeks first on a phone
  body.append(h('section', { className: 'card' },
    h('div', { className: 'page-head' },
      h('a', { href: `/workouts?view=year&year=${year - 1}`, 'data-link': true, className: 'button' }, '‹'),
      h('h2', {}, String(year)),
      h('a', { href: `/workouts?view=year&year=${year + 1}`, 'data-link': true, className: 'button' }, '›')),
    grid,
    h('p', { className: 'muted' }, `${f.plural(data.days.length, 'active day')} · ${f.plural(data.days.reduce((n, d) => n + d.count, 0), 'workout')}`)));
}

async function recordsView(body) {
  const rec = await api('GET', '/api/records');
  const link = (id, text) => h('a', { href: `/workouts/${id}`, 'data-link': true }, text);
  body.append(
    h('section', { className: 'card' }, h('h2', {}, 'Fastest runs'),
      rec.efforts.length ? h('ul', { className: 'rows' }, rec.efforts.map((e) =>
        h('li', {}, h('strong', {}, e.name), link(e.workout_id, `${f.duration(e.seconds)} · ${f.day(e.start)}`))))
        : h('p', { className: 'muted' }, 'Runs with GPS or distance samples set these.')),
    h('section', { className: 'card' }, h('h2', {}, 'Longest'),
      h('ul', { className: 'rows' },
        rec.longest_distance.map((l) => h('li', {}, h('strong', {}, `${sportOf(l.sport).name} distance`), link(l.workout_id, f.distance(l.value)))),
        rec.longest_duration.map((l) => h('li', {}, h('strong', {}, `${sportOf(l.sport).name} time`), link(l.workout_id, f.duration(l.value)))))),
    h('section', { className: 'card' }, h('h2', {}, 'Lifts'),
      h('ul', { className: 'rows' }, rec.lifts.map((l) => h('li', {},
        h('strong', {}, exerciseName(l.exercise)),
        h('span', {}, link(l.heaviest_workout_id, `heaviest ${f.weight(l.heaviest_kg)}`), ' · ',
          link(l.e1rm_workout_id, `e1RM ${f.weight(l.e1rm_kg)}`))))),
      h('p', { className: 'muted' }, rec.e1rm_formula)));
}

// ---- Logging -------------------------------------------------------------

const QUICK_SPORTS = ['run', 'ride', 'walk', 'swim', 'strength', 'hike', 'yoga', 'hiit'];

/** workoutFormPage logs a new workout, or edits one (route /workouts/{id}/edit). */
export async function workoutFormPage(main, { id } = {}) {
  await loadCatalog();
  const existing = id ? await api('GET', `/api/workouts/${id}`) : null;
  const clientID = existing?.id || crypto.randomUUID(); // a retried save never duplicates
  let sport = existing?.sport || 'run';
  const sportInput = h('input', { type: 'hidden', name: 'sport', value: sport });
  const chips = h('div', { className: 'chips', role: 'radiogroup', 'aria-label': 'Sport' });
  const allSports = h('select', { 'aria-label': 'More sports' }, h('option', { value: '' }, 'More…'),
    catalog.sports.filter((s) => !QUICK_SPORTS.includes(s.key)).map((s) => h('option', { value: s.key }, s.name)),
    h('option', { value: '+new' }, '+ New sport…'));
  const renderChips = () => {
    chips.replaceChildren(...QUICK_SPORTS.map((key) => h('button', {
      type: 'button', role: 'radio', 'aria-checked': String(key === sport), className: 'chip', 'data-sport': key,
      onclick: () => setSport(key),
    }, icon(key), ` ${sportOf(key).name}`)), allSports);
  };
  allSports.addEventListener('change', async () => {
    if (allSports.value !== '+new') {
      if (allSports.value) setSport(allSports.value);
      return;
    }
    allSports.value = '';
    const name = prompt('Name of the new sport');
    if (!name) return;
    const kind = confirm('Does it have a distance (like a run or a paddle)? OK for yes, Cancel for a timed sport.') ? 'distance' : 'duration';
    try {
      const sp = await api('POST', '/api/sports', { name, kind });
      catalog.sports.push(sp);
      allSports.insertBefore(h('option', { value: sp.key }, sp.name), allSports.lastElementChild);
      setSport(sp.key);
    } catch (err) {
      toast(err.message);
    }
  });
  const distanceFields = h('div', { className: 'grid2' },
    field(`Distance (${f.distanceUnit()})`, { name: 'distance', type: 'number', step: '0.01', min: '0', inputmode: 'decimal',
      value: existing?.distance_m != null ? +f.fromMetres(existing.distance_m).toFixed(2) : '' }),
    field('Elevation gain (m)', { name: 'elevation_m', type: 'number', min: '0', inputmode: 'numeric', value: existing?.elevation_m ?? '' }));
  const sets = h('div', { className: 'sets' });
  const templates = await api('GET', '/api/templates');
  const templatePicker = h('select', { 'aria-label': 'Start from a template' },
    h('option', { value: '' }, 'Start from a template…'),
    templates.map((t) => h('option', { value: String(t.id) }, `${t.name} (${f.plural(t.sets.length, 'set')})`)));
  templatePicker.addEventListener('change', () => {
    const t = templates.find((x) => String(x.id) === templatePicker.value);
    if (!t) return;
    sets.replaceChildren();
    t.sets.forEach((s) => addSet(s));
  });
  const strengthFields = h('div', {},
    h('h3', {}, 'Sets'),
    templates.length ? templatePicker : null,
    sets,
    h('div', { className: 'button-row' },
      h('button', { type: 'button', onclick: () => addSet() }, '+ Add set'),
      h('button', { type: 'button', onclick: repeatLast }, svgIcon('repeat'), ' Repeat last session'),
      h('button', { type: 'button', onclick: saveTemplate }, 'Save as template')));
  const setSport = (key) => {
    sport = key;
    sportInput.value = key;
    const kind = sportOf(key).kind;
    distanceFields.hidden = kind !== 'distance';
    strengthFields.hidden = kind !== 'strength';
    renderChips();
  };

  const gear = await gearPicker(existing);
  const start = existing ? new Date(existing.start) : new Date(Date.now() - 45 * 60 * 1000);
  const dur = existing?.duration_s ?? 45 * 60;
  const form = h('form', { className: 'card', novalidate: true },
    h('h1', {}, existing ? 'Edit workout' : 'Log a workout'),
    chips, sportInput,
    h('div', { className: 'grid2 when' },
      field('Start', { name: 'start', type: 'datetime-local', required: true, value: f.localInput(start) }),
      h('label', { className: 'field' }, h('span', {}, 'Duration'),
        h('div', { className: 'hms' },
          h('input', { name: 'h', type: 'number', min: '0', max: '167', inputmode: 'numeric', value: Math.floor(dur / 3600), 'aria-label': 'Hours' }), 'h',
          h('input', { name: 'm', type: 'number', min: '0', max: '59', inputmode: 'numeric', value: Math.floor((dur % 3600) / 60), 'aria-label': 'Minutes' }), 'm',
          h('input', { name: 's', type: 'number', min: '0', max: '59', inputmode: 'numeric', value: Math.round(dur % 60), 'aria-label': 'Seconds' }), 's'),
        h('input', { type: 'hidden', name: 'duration_s' }))),
    distanceFields,
    strengthFields,
    field('Effort, RPE 1 (easy) to 10 (all out): gives a training load without heart rate', { name: 'rpe', type: 'number', min: '1', max: '10', inputmode: 'numeric', value: existing?.rpe ?? '' }),
    h('details', {}, h('summary', {}, 'Heart rate, calories'),
      h('div', { className: 'grid2' },
        field('Avg heart rate', { name: 'avg_hr', type: 'number', min: '20', max: '250', inputmode: 'numeric', value: existing?.avg_hr ?? '' }),
        field('Max heart rate', { name: 'max_hr', type: 'number', min: '20', max: '250', inputmode: 'numeric', value: existing?.max_hr ?? '' }),
        field('Calories', { name: 'calories', type: 'number', min: '0', inputmode: 'numeric', value: existing?.calories ?? '' }))),
    gear.el,
    field('Title', { name: 'title', maxlength: 200, value: existing?.title || '', placeholder: 'Optional' }),
    h('label', { className: 'field' }, h('span', {}, 'Notes'), h('textarea', { name: 'notes', rows: 3, maxlength: 10000 }, existing?.notes || '')),
    h('button', { type: 'submit', className: 'primary' }, existing ? 'Save changes' : 'Save workout'));

  function addSet(set = {}) {
    const exercise = h('select', { name: 'exercise', 'aria-label': 'Exercise' },
      catalog.exercises.map((e) => h('option', { value: e.key, selected: e.key === set.exercise }, e.name)),
      h('option', { value: '+new' }, '+ New exercise…'));
    exercise.addEventListener('change', async () => {
      if (exercise.value !== '+new') return;
      exercise.value = catalog.exercises[0].key;
      const name = prompt('Name of the new exercise');
      if (!name) return;
      try {
        const ex = await api('POST', '/api/exercises', { name });
        catalog.exercises.push(ex);
        for (const sel of sets.querySelectorAll('select[name=exercise]')) {
          sel.insertBefore(h('option', { value: ex.key }, ex.name), sel.lastElementChild);
        }
        exercise.value = ex.key;
      } catch (err) {
        toast(err.message);
      }
    });
    const row = h('div', { className: 'set-row' },
      exercise,
      h('input', { name: 'reps', type: 'number', min: '0', max: '1000', inputmode: 'numeric', placeholder: 'reps', value: set.reps ?? '', 'aria-label': 'Reps' }),
      h('input', { name: 'weight', type: 'number', min: '0', step: '0.5', inputmode: 'decimal', placeholder: f.weightUnit(), value: set.weight_kg != null ? +f.fromKg(set.weight_kg).toFixed(1) : '', 'aria-label': `Weight (${f.weightUnit()})` }),
      h('input', { name: 'rpe', type: 'number', min: '1', max: '10', step: '0.5', inputmode: 'decimal', placeholder: 'RPE', value: set.rpe ?? '', 'aria-label': 'RPE' }),
      h('label', { className: 'check small', title: 'Warm-up set' }, h('input', { type: 'checkbox', name: 'warmup', checked: !!set.warmup }), 'W'),
      h('button', { type: 'button', className: 'small', 'aria-label': 'Remove set', onclick: () => row.remove() }, '×'));
    // A new set starts as a copy of the one before: the usual case.
    if (!set.exercise && sets.lastElementChild) {
      const prev = sets.lastElementChild;
      for (const name of ['exercise', 'reps', 'weight']) row.querySelector(`[name=${name}]`).value = prev.querySelector(`[name=${name}]`).value;
    }
    sets.append(row);
  }
  function currentSets() {
    const num = (v) => (v === '' || v == null ? undefined : Number(v));
    return [...sets.children].map((row) => {
      const v = (n) => row.querySelector(`[name=${n}]`);
      return {
        exercise: v('exercise').value,
        reps: num(v('reps').value), weight_kg: v('weight').value === '' ? undefined : f.toKg(Number(v('weight').value)),
        rpe: num(v('rpe').value), warmup: v('warmup').checked,
      };
    });
  }
  async function saveTemplate() {
    const name = prompt('Name this routine, e.g. "Push day A"');
    if (!name) return;
    try {
      await api('POST', '/api/templates', { name, sets: currentSets() });
      toast(`Template “${name}” saved`, 'ok');
    } catch (err) {
      toast(err.message);
    }
  }
  async function repeatLast() {
    const page = await api('GET', '/api/workouts?sport=strength&limit=1');
    if (!page.items.length) {
      toast('No earlier strength session to repeat');
      return;
    }
    const last = await api('GET', `/api/workouts/${page.items[0].id}`);
    sets.replaceChildren();
    last.sets.forEach((s) => addSet(s));
    toast(`Copied ${f.plural(last.sets.length, 'set')} from ${f.day(last.start)}`);
  }
  (existing?.sets || []).forEach((s) => addSet(s));
  setSport(sport);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = formData(form);
    const num = (v) => (v === '' || v == null ? undefined : Number(v));
    const body = {
      id: existing ? undefined : clientID,
      sport,
      start: d.start ? f.fromLocalInput(d.start) : '',
      duration_s: (num(d.h) || 0) * 3600 + (num(d.m) || 0) * 60 + (num(d.s) || 0),
      title: d.title, notes: d.notes,
      avg_hr: num(d.avg_hr), max_hr: num(d.max_hr), calories: num(d.calories), rpe: num(d.rpe),
    };
    const kind = sportOf(sport).kind;
    if (kind === 'distance') {
      if (d.distance) body.distance_m = f.toMetres(Number(d.distance));
      body.elevation_m = num(d.elevation_m);
    }
    if (kind === 'strength') body.sets = currentSets();
    body.gear = gear.value();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const saved = existing ? await api('PUT', `/api/workouts/${existing.id}`, body) : await api('POST', '/api/workouts', body);
      toast('Saved', 'ok');
      session.navigate(`/workouts/${saved.id}`, { replace: true });
    } catch (err) {
      showFormError(form, err.field === 'duration_s' ? Object.assign(err, { field: 'h' }) : err);
    } finally {
      button.disabled = false;
    }
  });
  append(main, form);
}

function field(label, attrs) {
  return h('label', { className: 'field' }, h('span', {}, label), h('input', attrs));
}

// ---- One workout ---------------------------------------------------------

function stats(w, sport = sportOf(w.sport)) {
  const tile = (label, value) => h('div', { className: 'stat' }, h('small', {}, label), h('strong', {}, value));
  const time = paused(w) ? w.moving_s : w.duration_s;
  return h('div', { className: 'stats' },
    paused(w) ? tile('Moving time', f.duration(w.moving_s)) : null,
    tile(paused(w) ? 'Elapsed time' : 'Time', f.duration(w.duration_s)),
    w.distance_m != null ? tile('Distance', f.distance(w.distance_m)) : null,
    w.distance_m ? tile(f.rateName(sport), f.rate(sport, w.distance_m, time)) : null,
    w.elevation_m != null ? tile('Elevation', f.elevation(w.elevation_m)) : null,
    w.avg_hr != null ? tile('Avg HR', `${Math.round(w.avg_hr)} bpm`) : null,
    w.max_hr != null ? tile('Max HR', `${Math.round(w.max_hr)} bpm`) : null,
    w.calories != null ? tile('Calories', `${Math.round(w.calories)}`) : null);
}

function setsTable(sets) {
  if (!sets?.length) return null;
  return h('table', { className: 'sets-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Exercise'), h('th', {}, 'Reps'), h('th', {}, 'Weight'), h('th', {}, 'e1RM'))),
    h('tbody', {}, sets.map((s) => h('tr', { className: s.warmup ? 'muted' : '' },
      h('td', {}, exerciseName(s.exercise) + (s.warmup ? ' (warm-up)' : '')),
      h('td', {}, s.reps ?? '—'), h('td', {}, f.weight(s.weight_kg)), h('td', {}, s.e1rm_kg ? f.weight(s.e1rm_kg) : '—')))));
}

// splitsTable lists a workout's splits (kilometres or miles; 100 m or
// 100 yd of a swim; 500 m of a row) with their pace or speed; a last split
// shorter than the rest says how long it was.
function splitsTable(splits, sport) {
  if (!splits?.length) return null;
  const values = splits.map((s) => f.rateValue(sport, s.meters, s.seconds));
  const best = f.isPace(sport) ? Math.min(...values.filter((v) => v != null)) : Math.max(...values.filter((v) => v != null));
  const unitName = { pace_100m: f.distanceUnit() === 'mi' ? '100 yd' : '100 m', pace_500m: '500 m' }[f.measureOf(sport)] || f.distanceUnit();
  return h('table', { className: 'splits' },
    h('thead', {}, h('tr', {}, h('th', {}, unitName), h('th', {}, f.rateName(sport)), h('th', {}, ''), h('th', {}, 'HR'))),
    h('tbody', {}, splits.map((s, i) => {
      const bar = h('span', { className: 'bar' });
      const v = values[i];
      bar.style.width = v ? `${Math.round(100 * (f.isPace(sport) ? best / v : v / best))}%` : '0';
      // A partial split says how far it went: "0.42 km", or "45 m" of a length.
      const short = ['pace_100m', 'pace_500m'].includes(f.measureOf(sport));
      const rest = short ? (f.distanceUnit() === 'mi' && f.measureOf(sport) === 'pace_100m' ? `${Math.round(s.meters / 0.9144)} yd` : `${Math.round(s.meters)} m`) : f.distance(s.meters);
      const label = s.partial ? `${rest} (partial)` : String(s.index);
      return h('tr', s.partial ? { className: 'partial', 'data-partial': true } : {},
        h('td', {}, label), h('td', {}, f.rateFormat(sport, v)), h('td', { className: 'bar-cell' }, bar),
        h('td', {}, s.avg_hr ? String(Math.round(s.avg_hr)) : '—'));
    })));
}

async function trackSection(cols, sport) {
  const parts = [];
  if (hasRoute(cols)) {
    const m = map(cols);
    if (m) parts.push(m);
  }
  // The card's inner width: main's, less the card's padding and border.
  const c = await chart(cols, Math.min(840, document.getElementById('main').clientWidth - 2 * 16 - 40), sport);
  if (c) parts.push(c);
  return parts.length ? h('section', { className: 'card' }, ...parts) : null;
}

export async function workoutDetailPage(main, { id }) {
  await loadCatalog();
  const w = await api('GET', `/api/workouts/${id}`);
  const sp = sportOf(w.sport);
  const share = h('div', { className: 'share' });
  const renderShare = (token) => {
    if (token) {
      const url = `${location.origin}/w/${token}`;
      share.replaceChildren(
        h('p', {}, 'Anyone with this link can see this workout', w.share_map === false ? ' (without the map):' : ':'),
        h('div', { className: 'secret-row' }, h('code', { className: 'secret' }, url),
          h('button', { type: 'button', className: 'small', onclick: () => navigator.clipboard.writeText(url).then(() => toast('Link copied')) }, 'Copy')),
        h('button', { type: 'button', className: 'small danger', onclick: async () => {
          await api('DELETE', `/api/workouts/${w.id}/share`);
          renderShare(null);
        } }, 'Stop sharing'));
    } else {
      const hideMap = h('input', { type: 'checkbox' });
      share.replaceChildren(
        h('label', { className: 'check' }, hideMap, ' Hide the map'),
        h('button', { type: 'button', onclick: async () => {
          const res = await api('POST', `/api/workouts/${w.id}/share`, { show_map: !hideMap.checked });
          w.share_map = res.show_map;
          renderShare(res.token);
        } }, 'Create public link'));
    }
  };
  renderShare(w.share_token);
  const del = h('button', { type: 'button', className: 'danger', onclick: async () => {
    if (!confirm('Delete this workout? This cannot be undone.')) return;
    await api('DELETE', `/api/workouts/${w.id}`);
    toast('Workout deleted');
    session.navigate('/workouts', { replace: true });
  } }, 'Delete');

  append(main, 
    h('div', { className: 'page-head' },
      h('div', {}, h('h1', { className: 'page-title' }, icon(w.sport), ` ${w.title || sp.name}`),
        h('p', { className: 'muted' }, `${sp.name} · ${f.dateTime(w.start)}`)),
      h('a', { href: `/workouts/${w.id}/edit`, 'data-link': true, className: 'button' }, 'Edit')),
    w.records.length ? h('div', { className: 'badges' }, w.records.map((r) => h('span', { className: 'badge record' }, svgIcon('trophy'), ' ' + r))) : null,
    h('section', { className: 'card' }, stats(w), w.notes ? h('p', { className: 'notes' }, w.notes) : null, setsTable(w.sets)));
  let cols = null;
  if (w.samples > 0) {
    cols = await api('GET', `/api/workouts/${w.id}/samples`);
    const track = await trackSection(cols, sp);
    if (track) append(main, track);
  }
  append(main, await trainingSection(w, cols), await gearLine(w));
  if (w.splits.length) append(main, h('section', { className: 'card' }, h('h2', {}, 'Splits'), splitsTable(w.splits, sp)));
  const file = (path, label) => h('a', { href: `/api/workouts/${w.id}/${path}`, download: true, className: 'button small' }, label);
  append(main, h('section', { className: 'card' }, h('h2', {}, 'Sharing'), share),
    h('section', { className: 'card' }, h('h2', {}, 'Download'), h('div', { className: 'downloads' },
      w.samples > 0 ? file('gpx', 'GPX') : null, file('fit', 'FIT'), w.has_original ? file('original', 'Original file') : null)),
    h('div', { className: 'button-row' }, del));
}

/** publicWorkoutPage shows a shared workout to anyone with the link. */
export async function publicWorkoutPage(main, { token }) {
  const w = await api('GET', `/api/public/workouts/${token}`);
  catalog = catalog || { sports: [], exercises: [] };
  const sp = { key: w.sport, name: w.sport_name, measure: w.measure };
  append(main, 
    h('h1', { className: 'page-title' }, icon(w.sport), ` ${w.title || w.sport_name}`),
    h('p', { className: 'muted' }, f.dateTime(w.start)),
    h('section', { className: 'card' }, stats(w, sp), setsTable(w.sets)));
  const track = await trackSection(w.samples, sp);
  if (track) append(main, track);
  if (w.splits.length) append(main, h('section', { className: 'card' }, h('h2', {}, 'Splits'), splitsTable(w.splits, sp)));
}

/** workoutList shows workouts as history rows, or null for none. */
export async function workoutList(items) {
  await loadCatalog();
  return items.length ? h('ul', { className: 'rows' }, items.map(workoutRow)) : null;
}
