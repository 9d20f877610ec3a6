// goals.js: goals with progress rings, body weight, the stats page and the
// dashboard. Every view here follows the user's topic: a workout saved on
// another screen moves the rings at once.
import { api } from './api.js';
import { h, append, toast, showFormError, formData } from './dom.js';
import { session } from './session.js';
import { catalog, sports as catalogSports } from './catalog.js';
import { bind, EVENTS } from './updates.js';
import * as f from './format.js';
import { workoutList } from './workouts.js';
import { liveNow } from './watch.js';
import { fitnessSummary } from './training.js';
import { gearAlerts } from './gear.js';
import { icon, sportIcon } from './icons.js';
import { uplot } from './lazy.js';
import { color } from './theme.js';
import { weightCard, weightChart } from './weights.js';

const NS = 'http://www.w3.org/2000/svg';

/** ring draws a progress ring for a fraction 0..1. */
export function ring(fraction, label, achieved) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 100 100');
  svg.setAttribute('class', 'ring' + (achieved ? ' done' : ''));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${Math.round(fraction * 100)}% ${label}`);
  const circle = (cls, dash) => {
    const c = document.createElementNS(NS, 'circle');
    c.setAttribute('cx', '50');
    c.setAttribute('cy', '50');
    c.setAttribute('r', '42');
    c.setAttribute('class', cls);
    if (dash != null) {
      const len = 2 * Math.PI * 42;
      c.setAttribute('stroke-dasharray', `${len * dash} ${len}`);
    }
    return c;
  };
  const text = document.createElementNS(NS, 'text');
  text.setAttribute('x', '50');
  text.setAttribute('y', '57');
  text.setAttribute('text-anchor', 'middle');
  text.textContent = `${Math.round(fraction * 100)}%`;
  svg.append(circle('track'), circle('fill', Math.max(0.001, fraction)), text);
  return svg;
}

const METRICS = {
  workouts: { name: 'Workouts', fmt: (v) => String(Math.round(v)) },
  distance: { name: 'Distance', fmt: f.distance },
  duration: { name: 'Time', fmt: f.duration },
  elevation: { name: 'Elevation gain', fmt: f.elevation },
  calories: { name: 'Calories', fmt: (v) => `${Math.round(v)} kcal` },
};

function goalValue(g, v) {
  if (g.kind === 'volume') return METRICS[g.metric].fmt(v);
  return f.weight(v);
}

// catchUp formats how far behind pace a goal is; a part of a workout is
// still one more workout.
function catchUp(g, gap) {
  return g.metric === 'workouts' ? String(Math.ceil(gap)) : goalValue(g, gap);
}

function periodWord(g) {
  return { week: 'this week', month: 'this month', year: 'this year' }[g.period] || `${g.start_date} – ${g.end_date}`;
}

/** goalCard shows one goal with its ring, numbers, pace and streak. */
function goalCard(g, { actions = true } = {}) {
  const p = g.progress || { value: 0, fraction: 0 };
  const lines = [h('strong', {}, g.title)];
  if (g.kind === 'volume') {
    lines.push(h('span', {}, `${goalValue(g, p.value)} of ${goalValue(g, g.target)} ${periodWord(g)}`));
    if (p.on_track != null && !p.achieved) {
      lines.push(h('span', { className: p.on_track ? 'ok-text' : 'warn-text' },
        p.on_track ? 'On track' : `Behind: ${catchUp(g, p.expected - p.value)} to catch up`));
    }
    if (p.streak > 0) lines.push(h('span', {}, icon('flame'), ` ${f.plural(p.streak, g.period)} in a row`));
  } else if (g.kind === 'lift') {
    lines.push(h('span', {}, `${g.basis === 'e1rm' ? 'Best e1RM' : 'Heaviest'} ${goalValue(g, p.value)} of ${goalValue(g, g.target)}`));
  } else {
    lines.push(h('span', {}, p.start_value != null ? `${f.weight(p.value)} now, from ${f.weight(p.start_value)}, aiming for ${f.weight(g.target)}` : `Log a weigh-in to start (target ${f.weight(g.target)})`));
  }
  if (p.achieved) lines.push(h('span', { className: 'ok-text' }, icon('party-popper'), ' Reached'));
  if (g.status !== 'active') lines.push(h('span', { className: 'badge' }, g.status));
  const card = h('div', { className: 'goal', 'data-goal-id': g.id },
    ring(p.fraction, g.title, p.achieved), h('div', { className: 'goal-text' }, lines));
  if (actions) {
    const setStatus = (status) => async () => {
      await api('PUT', `/api/goals/${g.id}`, { ...g, status, progress: undefined });
    };
    card.append(h('div', { className: 'goal-actions' },
      g.status === 'active'
        ? h('button', { type: 'button', className: 'small', onclick: setStatus('paused') }, 'Pause')
        : h('button', { type: 'button', className: 'small', onclick: setStatus('active') }, 'Resume'),
      h('button', { type: 'button', className: 'small', onclick: () => editGoal(g) }, 'Edit'),
      g.status !== 'archived' ? h('button', { type: 'button', className: 'small', onclick: setStatus('archived') }, 'Archive') : null,
      h('button', { type: 'button', className: 'small danger', onclick: async () => {
        if (confirm(`Delete the goal “${g.title}”?`)) await api('DELETE', `/api/goals/${g.id}`);
      } }, 'Delete')));
  }
  return card;
}

// editGoal changes a goal's title and target, in the units the user reads.
async function editGoal(g) {
  const toShown = { distance: f.fromMetres, duration: (v) => v / 3600 }[g.metric] || (g.kind === 'volume' ? (v) => v : f.fromKg);
  const fromShown = { distance: f.toMetres, duration: (v) => v * 3600 }[g.metric] || (g.kind === 'volume' ? (v) => v : f.toKg);
  const title = prompt('Title', g.title);
  if (title == null) return;
  const target = prompt('Target', String(+toShown(g.target).toFixed(2)));
  if (target == null) return;
  try {
    await api('PUT', `/api/goals/${g.id}`, { ...g, progress: undefined, title, target: fromShown(Number(target)) });
  } catch (err) {
    toast(err.message);
  }
}

// ---- Goals page -----------------------------------------------------------

export async function goalsPage(main) {
  const [goals, { sports, exercises }] = await Promise.all([api('GET', '/api/goals'), catalog()]);
  const list = h('div', { className: 'goals' });
  const render = (gs) => {
    const active = gs.filter((g) => g.status !== 'archived');
    const archived = gs.filter((g) => g.status === 'archived');
    list.replaceChildren(...(active.length ? active.map((g) => goalCard(g)) : [h('p', { className: 'muted' }, 'No goals yet. Set one below.')]),
      archived.length ? h('details', {}, h('summary', {}, `Archived (${archived.length})`), h('div', { className: 'goals' }, archived.map((g) => goalCard(g)))) : '');
  };
  render(goals);
  append(main, h('h1', { className: 'page-title' }, 'Goals'), h('section', { className: 'card' }, list), goalForm(sports, exercises), await weightCard(main));
  bind(main, list, [EVENTS.workouts, EVENTS.goals, EVENTS.weights], async () => render(await api('GET', '/api/goals')));
}

function goalForm(sports, exercises) {
  const kind = h('select', { name: 'kind' },
    h('option', { value: 'volume' }, 'An amount per period'),
    h('option', { value: 'lift' }, 'A lift'),
    h('option', { value: 'body_weight' }, 'Body weight'));
  const volume = h('div', {},
    h('div', { className: 'grid2' },
      h('label', { className: 'field' }, h('span', {}, 'Measure'), h('select', { name: 'metric' },
        Object.entries(METRICS).map(([k, m]) => h('option', { value: k }, m.name)))),
      h('label', { className: 'field' }, h('span', {}, 'Period'), h('select', { name: 'period' },
        h('option', { value: 'week' }, 'Every week'), h('option', { value: 'month' }, 'Every month'),
        h('option', { value: 'year' }, 'Every year'), h('option', { value: 'custom' }, 'Between dates')))),
    h('div', { className: 'grid2 dates', hidden: true },
      h('label', { className: 'field' }, h('span', {}, 'From'), h('input', { name: 'start_date', type: 'date' })),
      h('label', { className: 'field' }, h('span', {}, 'To'), h('input', { name: 'end_date', type: 'date' }))),
    h('label', { className: 'field' }, h('span', {}, 'Sports (none chosen: all)'),
      h('select', { name: 'sports', multiple: true, size: 4 }, sports.map((s) => h('option', { value: s.key }, s.name)))));
  const lift = h('div', { className: 'grid2', hidden: true },
    h('label', { className: 'field' }, h('span', {}, 'Exercise'), h('select', { name: 'exercise' }, exercises.map((e) => h('option', { value: e.key }, e.name)))),
    h('label', { className: 'field' }, h('span', {}, 'Measured by'), h('select', { name: 'basis' },
      h('option', { value: 'weight' }, 'Heaviest set'), h('option', { value: 'e1rm' }, 'Estimated 1RM'))));
  const targetLabel = h('span', {}, 'Target');
  const form = h('form', { className: 'card', novalidate: true },
    h('h2', {}, 'New goal'),
    h('label', { className: 'field' }, h('span', {}, 'Kind'), kind),
    volume, lift,
    h('div', { className: 'grid2' },
      h('label', { className: 'field' }, targetLabel, h('input', { name: 'target', type: 'number', min: '0', step: 'any', inputmode: 'decimal', required: true })),
      h('label', { className: 'field' }, h('span', {}, 'Title'), h('input', { name: 'title', maxlength: 200, placeholder: 'Optional' }))),
    h('button', { type: 'submit', className: 'primary' }, 'Add goal'));
  const update = () => {
    volume.hidden = kind.value !== 'volume';
    lift.hidden = kind.value !== 'lift';
    form.querySelector('.dates').hidden = form.querySelector('[name=period]').value !== 'custom';
    const metric = form.querySelector('[name=metric]').value;
    targetLabel.textContent = kind.value !== 'volume' ? `Target (${f.weightUnit()})`
      : { distance: `Target (${f.distanceUnit()})`, duration: 'Target (hours)', elevation: 'Target (m)', calories: 'Target (kcal)', workouts: 'Target (workouts)' }[metric];
  };
  form.addEventListener('change', update);
  update();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = formData(form);
    const t = Number(d.target);
    const body = { kind: d.kind, title: d.title, target: t };
    if (d.kind === 'volume') {
      Object.assign(body, { metric: d.metric, period: d.period, sports: [...form.querySelector('[name=sports]').selectedOptions].map((o) => o.value) });
      if (d.period === 'custom') Object.assign(body, { start_date: d.start_date, end_date: d.end_date });
      body.target = { distance: f.toMetres(t), duration: t * 3600 }[d.metric] ?? t;
    } else {
      body.target = f.toKg(t);
      if (d.kind === 'lift') Object.assign(body, { exercise: d.exercise, basis: d.basis });
    }
    try {
      await api('POST', '/api/goals', body);
      form.reset();
      update();
      toast('Goal added', 'ok');
    } catch (err) {
      showFormError(form, err);
    }
  });
  return form;
}

// ---- Stats ---------------------------------------------------------------

export async function statsPage(main) {
  const params = new URLSearchParams(location.search);
  const bucket = params.get('bucket') || 'week';
  const q = new URLSearchParams({ bucket });
  for (const k of ['from', 'to', 'sport']) if (params.get(k)) q.set(k, params.get(k));
  const sports = await catalogSports();
  const picker = h('form', { className: 'filters card' },
    h('select', { name: 'bucket', 'aria-label': 'Per' }, ['week', 'month', 'year'].map((b) => h('option', { value: b, selected: b === bucket }, `Per ${b}`))),
    h('select', { name: 'sport', 'aria-label': 'Sport' }, h('option', { value: '' }, 'All sports'),
      sports.map((s) => h('option', { value: s.key, selected: params.get('sport') === s.key }, s.name))),
    h('input', { name: 'from', type: 'date', value: params.get('from') || '', 'aria-label': 'From' }),
    h('input', { name: 'to', type: 'date', value: params.get('to') || '', 'aria-label': 'To' }),
    h('button', { type: 'submit' }, 'Show'));
  picker.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(formData(picker))) if (v) next.set(k, v);
    session.navigate('/stats?' + next);
  });
  // The charts and tables follow the user's workouts and weigh-ins; the
  // picker, maybe half changed, stays as it is.
  const cards = h('div', {}, await statsCards(q, bucket, sports));
  append(main, h('h1', { className: 'page-title' }, 'Stats'), picker, cards);
  bind(main, cards, [EVENTS.workouts, EVENTS.weights], () => statsCards(q, bucket, sports));
}

// statsCards are the stats page's charts and tables for query q.
async function statsCards(q, bucket, sports) {
  const [stats, weights] = await Promise.all([api('GET', '/api/stats?' + q), api('GET', '/api/weights')]);
  const b = stats.buckets;
  const xs = b.map((x) => Date.parse(x.start) / 1000);
  const step = xs.length > 1 ? xs[1] - xs[0] : 7 * 86400;
  // Bucket starts are midnight in the user's zone: label them there.
  const zone = session.me?.timezone || undefined;
  const dateFmt = new Intl.DateTimeFormat(undefined, bucket === 'year' ? { year: 'numeric', timeZone: zone }
    : { month: 'short', day: bucket === 'week' ? 'numeric' : undefined, year: bucket === 'month' ? '2-digit' : undefined, timeZone: zone });
  const width = Math.min(840, document.getElementById('main').clientWidth - 72);
  // Ticks sit on bucket starts (a week's tick on the day it starts, as the
  // user's week start says), thinned to what fits the width.
  const every = Math.max(1, Math.ceil(xs.length / Math.max(2, Math.floor(width / 70))));
  const ticks = xs.filter((x, i) => (xs.length - 1 - i) % every === 0);
  const seriesFor = (label, unit, values, stroke, fmt) => ({ label, unit, values, stroke, fmt });
  const uPlot = await uplot();
  const charts = [
    seriesFor('Distance', f.distanceUnit(), b.map((x) => +f.fromMetres(x.totals.distance_m).toFixed(2)), color('chart-distance'), (v) => `${v} ${f.distanceUnit()}`),
    seriesFor('Time', 'hours', b.map((x) => +(x.totals.duration_s / 3600).toFixed(2)), color('chart-time'), (v) => `${v} h`),
    seriesFor('Workouts', 'workouts', b.map((x) => x.totals.count), color('chart-count'), (v) => f.plural(v, 'workout')),
  ].map((s) => {
    const el = h('div', { className: 'chart stats-chart' });
    el.plot = new uPlot({
      width, height: 170,
      series: [
        { label: bucket === 'week' ? 'Week of' : bucket[0].toUpperCase() + bucket.slice(1), value: (u, v) => (v == null ? '—' : dateFmt.format(new Date(v * 1000))) },
        { label: s.label, stroke: s.stroke, fill: s.stroke + '33', width: 1, paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false }, value: (u, v) => (v == null ? '—' : s.fmt(v)) }],
      axes: [
        { stroke: 'currentColor', splits: () => ticks, values: (u, vals) => vals.map((v) => dateFmt.format(new Date(v * 1000))) },
        { stroke: 'currentColor', label: s.unit, labelSize: 16, size: 46 }],
      // Half a bucket of room each side, so the first and last bars show whole.
      scales: { x: { range: (u, min, max) => [min - step / 2, max + step / 2] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    }, [xs, s.values], el);
    return h('section', { className: 'card' }, h('h2', {}, `${s.label} per ${bucket}`), el);
  });
  const totals = {};
  for (const x of b) for (const [sport, t] of Object.entries(x.sports)) {
    totals[sport] = totals[sport] || { count: 0, duration_s: 0, distance_m: 0 };
    totals[sport].count += t.count;
    totals[sport].duration_s += t.duration_s;
    totals[sport].distance_m += t.distance_m;
  }
  const name = (k) => sports.find((s) => s.key === k)?.name || k;
  return [...charts,
    h('section', { className: 'card' }, h('h2', {}, 'By sport'),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Sport'), h('th', {}, 'Workouts'), h('th', {}, 'Time'), h('th', {}, 'Distance'))),
        h('tbody', {}, Object.entries(totals).sort((a, c) => c[1].duration_s - a[1].duration_s).map(([k, t]) =>
          h('tr', {}, h('td', {}, name(k)), h('td', {}, String(t.count)), h('td', {}, f.duration(t.duration_s)), h('td', {}, t.distance_m ? f.distance(t.distance_m) : '—')))))),
    h('section', { className: 'card' }, h('h2', {}, 'Body weight'), (await weightChart(weights)) || h('p', { className: 'muted' }, 'No weigh-ins yet; log them on the Goals page.'))];
}

// ---- Dashboard -----------------------------------------------------------

export async function dashboardPage(main) {
  const hour = new Date().getHours();
  const greeting = hour < 12 ? 'Good morning' : hour < 18 ? 'Good afternoon' : 'Good evening';
  // Everything below the greeting follows the user's topic: a workout,
  // goal or weigh-in saved anywhere, or a session starting or ending,
  // redraws these cards and nothing else.
  const cards = h('div', {});
  let stop = await dashboardCards(main, cards);
  append(main,
    h('div', { className: 'page-head' },
      h('h1', { className: 'page-title' }, `${greeting}, ${session.me.username}`),
      h('a', { href: '/workouts/new', 'data-link': true, className: 'button primary-small' }, '+ Log workout')),
    cards);
  bind(main, null, [EVENTS.workouts, EVENTS.goals, EVENTS.weights, EVENTS.liveStarted, EVENTS.liveFinished], async () => {
    const before = stop;
    stop = await dashboardCards(main, cards);
    before?.();
  });
  return () => stop?.();
}

// dashboardCards fills box with the dashboard's cards, fetched afresh, in
// one step once all are in; it returns what stops the live-now clock.
async function dashboardCards(view, box) {
  const [d, live, sports, worn, fitness] = await Promise.all([api('GET', '/api/dashboard'), liveNow(view), catalogSports(), gearAlerts(), fitnessSummary()]);
  const sportTotals = Object.entries(d.week.sports);
  const sportName = (k) => sports.find((s) => s.key === k)?.name || k.replace(/_/g, ' ');
  const recent = await workoutList(d.recent);
  box.replaceChildren(...[
    live?.el,
    worn,
    h('section', { className: 'card' },
      h('h2', {}, 'This week'),
      h('div', { className: 'stats' },
        h('div', { className: 'stat' }, h('small', {}, 'Workouts'), h('strong', {}, String(d.week.totals.count))),
        h('div', { className: 'stat' }, h('small', {}, 'Time'), h('strong', {}, f.duration(d.week.totals.duration_s))),
        h('div', { className: 'stat' }, h('small', {}, 'Distance'), h('strong', {}, f.distance(d.week.totals.distance_m)))),
      sportTotals.length ? h('ul', { className: 'rows' }, sportTotals.map(([k, t]) =>
        h('li', {}, h('span', {}, sportIcon(k), ' ', sportName(k)), h('span', { className: 'muted' }, `${f.plural(t.count, 'workout')} · ${f.duration(t.duration_s)}${t.distance_m ? ' · ' + f.distance(t.distance_m) : ''}`)))) : null),
    fitness,
    d.goals.length
      ? h('section', { className: 'card' }, h('h2', {}, 'Goals'), h('div', { className: 'goals' }, d.goals.map((g) => goalCard(g, { actions: false }))))
      : h('section', { className: 'card' }, h('p', {}, 'Set a goal and watch its ring fill as you train. ', h('a', { href: '/goals', 'data-link': true }, 'Add a goal →'))),
    d.new_records.length ? h('section', { className: 'card' }, h('h2', {}, icon('trophy'), ' Records just set'),
      h('ul', { className: 'rows' }, d.new_records.map((r) => h('li', {},
        h('a', { href: `/workouts/${r.workout_id}`, 'data-link': true }, r.name),
        h('span', { className: 'muted' }, r.unit === 's' ? f.duration(r.value) : r.unit === 'kg' ? f.weight(r.value) : f.distance(r.value)))))) : null,
    recent
      ? h('section', { className: 'card' }, h('h2', {}, 'Recent workouts'), recent, h('a', { href: '/workouts', 'data-link': true }, 'All workouts →'))
      : h('section', { className: 'card empty' },
        h('div', { className: 'empty-art', 'aria-hidden': 'true' }, sportIcon('run')),
        h('h2', {}, 'Nothing logged yet'),
        h('p', {}, 'Log your first workout and it shows up here, on every screen you have open.'),
        h('a', { href: '/workouts/new', 'data-link': true, className: 'button' }, 'Log a workout')),
  ].filter(Boolean));
  return live?.stop;
}
