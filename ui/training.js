// training.js: what the samples say about training. A workout's zones,
// load and power; the fitness, fatigue and form chart with the power
// curve; the athlete's settings; and the current zone on the live pages.
import { uplot } from './lazy.js';
import { color, zoneColor } from './theme.js';
import { api } from './api.js';
import { h, append, toast, showFormError } from './dom.js';
import { session } from './session.js';
import { bind, EVENTS } from './updates.js';
import * as f from './format.js';

// uPlot is loaded (lazy.js) by the entry points that draw a chart, before
// they draw it, so pages without charts never download it.
let uPlot;

/** Zone colours, easy to hard: heart rate has five zones, power seven. */
const HR_NAMES = ['Recovery', 'Endurance', 'Tempo', 'Threshold', 'Maximum'];
const POWER_NAMES = ['Active recovery', 'Endurance', 'Tempo', 'Threshold', 'VO2max', 'Anaerobic', 'Neuromuscular'];
const METHODS = { trimp: 'TRIMP from heart rate', tss: 'TSS from power', rpe: 'from duration and effort (RPE)' };

/** zoneIndex is the zone (0-based) of value given the zones' lower bounds. */
export function zoneIndex(value, bounds) {
  if (value == null || !bounds || !bounds.length) return -1;
  let z = 0;
  for (let i = 0; i < bounds.length; i++) if (value >= bounds[i]) z = i;
  return z;
}

/**
 * showZone writes a heart rate into a live tile with its zone: the tile
 * takes the zone's colour and the text says which zone it is.
 */
export function showZone(tile, valueEl, hr, bounds) {
  const z = zoneIndex(hr, bounds);
  valueEl.textContent = hr ? `${Math.round(hr)} bpm` : '—';
  if (hr && z >= 0) {
    tile.dataset.zone = String(z + 1);
    tile.style.setProperty('--zone', zoneColor('hr', z));
    valueEl.append(h('span', { className: 'zone-tag' }, ` Z${z + 1}`));
    tile.title = `Zone ${z + 1}: ${HR_NAMES[z]}`;
  } else {
    delete tile.dataset.zone;
    tile.style.removeProperty('--zone');
  }
}

/** zoneBar draws seconds per zone as one stacked bar with a legend. */
function zoneBar(label, seconds, bounds, unit, kind, names) {
  const total = seconds.reduce((a, b) => a + b, 0) || 1;
  const bar = h('div', { className: 'zone-bar', role: 'img', 'aria-label': `${label}: ` + seconds.map((s, i) => `zone ${i + 1} ${f.duration(s)}`).join(', ') });
  const legend = h('ol', { className: 'zone-legend' });
  seconds.forEach((s, i) => {
    const seg = h('span', { className: 'zone-seg', 'data-zone': String(i + 1), title: `Z${i + 1} ${names[i]}: ${f.duration(s)}` });
    seg.style.flexGrow = String(s / total);
    seg.style.background = zoneColor(kind, i);
    if (s > 0) bar.append(seg);
    const upper = bounds[i + 1] != null ? `${bounds[i]}–${bounds[i + 1] - 1}` : `${bounds[i]}+`;
    const dot = h('span', { className: 'zone-dot' });
    dot.style.background = zoneColor(kind, i);
    legend.append(h('li', {}, dot, h('span', {}, `Z${i + 1} ${names[i]}`), h('small', { className: 'muted' }, `${upper} ${unit}`),
      h('strong', {}, `${f.duration(s)} · ${Math.round((100 * s) / total)}%`)));
  });
  return h('div', { className: 'zones' }, h('h3', {}, label), bar, legend);
}

function loadBadge(load) {
  if (!load) return null;
  return h('div', { className: 'load', 'data-method': load.method },
    h('small', {}, 'Training load'), h('strong', {}, String(Math.round(load.value))),
    h('span', { className: 'muted' }, ` ${METHODS[load.method] || load.method}${load.estimated ? ' · estimated' : ''}`));
}

const has = (col) => col && col.some((v) => v != null);

/** lineChart draws one column against time. */
function lineChart(cols, col, label, unit, color, width) {
  const el = h('div', { className: 'chart', 'data-chart': label.toLowerCase() });
  const plot = new uPlot({
    width, height: 150,
    series: [{ label: 'Time', value: (u, v) => (v == null ? '—' : f.duration(v)) },
      { label, stroke: color, width: 1.2, value: (u, v) => (v == null ? '—' : `${Math.round(v)} ${unit}`) }],
    axes: [{ values: (u, vals) => vals.map((v) => f.duration(v)), stroke: 'currentColor' }, { stroke: color, size: 44 }],
    scales: { x: { time: false } },
    legend: { live: true },
  }, [cols.t, cols[col]], el);
  el.plot = plot;
  return el;
}

/**
 * trainingSection is a workout page's training card: its load, time in
 * each heart-rate and power zone, normalised power and intensity, its best
 * powers (records marked), and cadence and power charts. Null when the
 * workout says nothing about training.
 */
export async function trainingSection(w, cols) {
  if (cols && (has(cols.power) || has(cols.cadence))) uPlot = await uplot();
  const width = Math.min(840, document.getElementById('main').clientWidth - 72);
  const parts = [];
  if (w.load) parts.push(loadBadge(w.load));
  if (w.normalized_power) {
    parts.push(h('div', { className: 'stats' },
      w.avg_power ? h('div', { className: 'stat' }, h('small', {}, 'Avg power'), h('strong', {}, `${w.avg_power} W`)) : null,
      h('div', { className: 'stat' }, h('small', {}, 'Normalised power'), h('strong', { 'data-np': true }, `${Math.round(w.normalized_power)} W`)),
      w.intensity ? h('div', { className: 'stat' }, h('small', {}, 'Intensity'), h('strong', {}, w.intensity.toFixed(2))) : null));
  }
  if (w.hr_zones) parts.push(zoneBar(w.hr_zones_estimated ? 'Heart-rate zones (estimated)' : 'Heart-rate zones', w.hr_zones, w.hr_zone_bounds, 'bpm', 'hr', HR_NAMES));
  if (w.power_zones) parts.push(zoneBar('Power zones', w.power_zones, w.power_zone_bounds, 'W', 'power', POWER_NAMES));
  if (cols && has(cols.power)) parts.push(h('h3', {}, 'Power'), lineChart(cols, 'power', 'Power', 'W', color('chart-power'), width));
  if (cols && has(cols.cadence)) parts.push(h('h3', {}, 'Cadence'), lineChart(cols, 'cadence', 'Cadence', 'rpm', color('chart-cadence'), width));
  if (w.power_bests?.length) {
    const held = new Set(w.power_records || []);
    parts.push(h('h3', {}, 'Best powers'), h('table', { className: 'power-bests' },
      h('tr', {}, h('th', {}, 'Duration'), h('th', {}, 'Power'), h('th', {}, '')),
      w.power_bests.map((p) => h('tr', {}, h('td', {}, f.duration(p.duration_s)), h('td', {}, `${p.watts} W`),
        h('td', {}, held.has(p.duration_s) ? h('span', { className: 'badge record' }, '🏆 best ever') : '')))));
  }
  if (!parts.length) return null;
  return h('section', { className: 'card training' }, h('h2', {}, 'Training'), ...parts,
    w.load?.estimated || w.hr_zones_estimated ? h('p', { className: 'muted small' }, 'Estimated from your data until you set your heart rates and FTP in ',
      h('a', { href: '/settings#athlete', 'data-link': true }, 'Settings'), '.') : null);
}

// ---- Fitness page ---------------------------------------------------------

const RANGES = [['90 days', 90], ['6 months', 182], ['1 year', 365], ['All', 3650]];

const dayTS = (d) => Date.parse(d + 'T00:00:00Z') / 1000;

/** fitnessPage charts fitness, fatigue and form with each day's load
 * beneath, and the best power curve; both follow new workouts live. */
export async function fitnessPage(main) {
  uPlot = await uplot();
  let days = Number(new URLSearchParams(location.search).get('days')) || 182;
  const width = Math.min(840, document.getElementById('main').clientWidth - 40);
  const now = h('div', { className: 'stats fitness-now' });
  const chartBox = h('div', { className: 'fitness-chart' });
  const list = h('ul', { className: 'rows' });
  const curveBox = h('div');
  const tabs = h('nav', { className: 'tabs' }, RANGES.map(([label, n]) =>
    h('a', { href: `/fitness?days=${n}`, 'data-link': true, 'aria-current': n === days ? 'page' : null }, label)));
  append(main, h('h1', { className: 'page-title' }, 'Fitness & form'), tabs,
    h('section', { className: 'card' }, now, chartBox,
      h('p', { className: 'muted small' }, 'Fitness is your 42-day load, fatigue your 7-day load, form the difference the day before: positive is fresh.')),
    h('section', { className: 'card' }, h('h2', {}, 'Workouts'), list),
    h('section', { className: 'card' }, h('h2', {}, 'Best power curve'), curveBox));
  let plot = null;
  const load = async () => {
    const to = new Date();
    const toDay = new Intl.DateTimeFormat('en-CA', { timeZone: session.me.timezone }).format(to);
    const from = new Date(Date.parse(toDay) - (days - 1) * 864e5).toISOString().slice(0, 10);
    const [rep, curve] = await Promise.all([api('GET', `/api/fitness?from=${from}&to=${toDay}`), api('GET', '/api/power-curve')]);
    const last = rep.days[rep.days.length - 1];
    now.replaceChildren(
      h('div', { className: 'stat' }, h('small', {}, 'Fitness'), h('strong', { 'data-fitness': true }, last.fitness.toFixed(1))),
      h('div', { className: 'stat' }, h('small', {}, 'Fatigue'), h('strong', { 'data-fatigue': true }, last.fatigue.toFixed(1))),
      h('div', { className: 'stat' }, h('small', {}, 'Form'), h('strong', { 'data-form': true }, last.form.toFixed(1))));
    const data = [rep.days.map((d) => dayTS(d.date)), rep.days.map((d) => d.fitness), rep.days.map((d) => d.fatigue),
      rep.days.map((d) => d.form), rep.days.map((d) => d.load || null)];
    if (plot) plot.setData(data);
    else {
      plot = new uPlot({
        width, height: 260,
        series: [{}, { label: 'Fitness', stroke: color('chart-fitness'), width: 2 }, { label: 'Fatigue', stroke: color('chart-fatigue'), width: 1.5 },
          { label: 'Form', stroke: color('chart-form'), width: 1.5, fill: color('chart-form-fill') },
          { label: 'Load', scale: 'load', stroke: color('chart-load'), fill: color('chart-load-fill'), paths: uPlot.paths.bars({ size: [0.8, 8] }), points: { show: false } }],
        axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', size: 40 }, { scale: 'load', side: 1, stroke: color('chart-load'), grid: { show: false }, size: 40 }],
        scales: { load: { range: (u, min, max) => [0, (max || 1) * 3] } }, // bars in the lower third, beneath the lines
        legend: { live: true },
      }, data, chartBox);
    }
    chartBox.dataset.days = String(rep.days.length);
    chartBox.dataset.lastFitness = String(last.fitness);
    list.replaceChildren(...rep.workouts.slice(-30).reverse().map((w) => h('li', {},
      h('a', { href: `/workouts/${w.id}`, 'data-link': true }, `${f.day(w.start)} · ${w.sport.replace(/_/g, ' ')}`),
      h('span', { className: 'muted' }, `${Math.round(w.load)} ${w.method.toUpperCase()}${w.estimated ? ' (est.)' : ''}`))));
    if (!rep.workouts.length) list.replaceChildren(h('li', { className: 'muted' }, 'No workouts with a load in this range.'));
    curveBox.replaceChildren(curve.curve.length ? powerCurve(curve.curve, width) : h('p', { className: 'muted' }, 'Rides with power draw your best power curve here.'));
  };
  await load();
  // Any workout saved anywhere moves the chart.
  bind(main, null, [EVENTS.trainingUpdated, EVENTS.workoutDeleted], load);
}

function powerCurve(curve, width) {
  const el = h('div', { className: 'chart power-curve' });
  new uPlot({
    width, height: 200,
    series: [{ label: 'Duration', value: (u, v) => (v == null ? '—' : f.duration(v)) }, { label: 'Best power', stroke: color('chart-power'), width: 2, value: (u, v) => (v == null ? '—' : `${v} W`) }],
    // Ticks at the curve's own durations that fit: 5 s, 1 min, 5, 20, 60 min.
    axes: [{ splits: () => [5, 60, 300, 1200, 3600].filter((d) => curve.some((p) => p.duration_s >= d)),
      values: (u, vals) => vals.map((v) => f.duration(v)), stroke: 'currentColor' }, { stroke: 'currentColor', size: 44 }],
    scales: { x: { time: false, distr: 3 } },
  }, [curve.map((p) => p.duration_s), curve.map((p) => p.watts)], el);
  return h('div', {}, el, h('table', {}, h('tr', {}, h('th', {}, 'Duration'), h('th', {}, 'Record'), h('th', {}, 'Set on')),
    curve.map((p) => h('tr', {}, h('td', {}, f.duration(p.duration_s)), h('td', {}, `${p.watts} W`),
      h('td', {}, h('a', { href: `/workouts/${p.workout_id}`, 'data-link': true }, f.day(p.start)))))));
}

/** fitnessSummary is the dashboard's line on fitness and form. */
export async function fitnessSummary() {
  const rep = await api('GET', '/api/fitness');
  if (!rep.workouts.length) return null;
  const last = rep.days[rep.days.length - 1];
  return h('section', { className: 'card' }, h('h2', {}, 'Fitness & form'),
    h('div', { className: 'stats' },
      h('div', { className: 'stat' }, h('small', {}, 'Fitness'), h('strong', {}, last.fitness.toFixed(0))),
      h('div', { className: 'stat' }, h('small', {}, 'Fatigue'), h('strong', {}, last.fatigue.toFixed(0))),
      h('div', { className: 'stat' }, h('small', {}, 'Form'), h('strong', {}, last.form.toFixed(0)))),
    h('a', { href: '/fitness', 'data-link': true }, 'Chart and power curve →'));
}

// ---- Athlete settings -------------------------------------------------------

const FIELDS = [
  ['max_hr', 'Maximum heart rate', 'bpm'],
  ['rest_hr', 'Resting heart rate', 'bpm'],
  ['lthr', 'Threshold heart rate', 'bpm'],
  ['ftp', 'FTP', 'W'],
  ['threshold_pace', 'Threshold pace', 's/km'],
];

/** athleteCard is the settings page's card for heart rates, FTP and
 * zones: each change applies from a chosen day on, with estimates from
 * the athlete's own workouts offered beside each field. */
export async function athleteCard() {
  const card = h('section', { className: 'card', id: 'athlete' });
  const render = async () => {
    const a = await api('GET', '/api/athlete');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: session.me.timezone }).format(new Date());
    const from = h('input', { type: 'date', name: 'from', value: today, required: true });
    const form = h('form', { className: 'athlete-form' });
    for (const [key, label, unit] of FIELDS) {
      const est = a.estimates[key];
      const input = h('input', { name: key, type: 'number', inputmode: 'numeric', min: '1', step: '1', value: a.current[key] ?? '', placeholder: est ? `${est.value} (estimate)` : '' });
      const use = est ? h('button', { type: 'button', className: 'small', title: est.source, onclick: () => { input.value = est.value; } }, `Use ${est.value}`) : null;
      append(form, h('label', { className: 'field' }, h('span', {}, `${label} (${unit})`), h('span', { className: 'row' }, input, use),
        est ? h('small', { className: 'muted' }, `Estimate: ${est.value} — ${est.source}`) : null));
    }
    const sex = h('select', { name: 'sex' }, h('option', { value: '' }, '—'),
      ['male', 'female'].map((s) => h('option', { value: s, selected: a.current.sex === s }, s)));
    const ownZones = h('input', { name: 'hr_zones', inputmode: 'numeric', placeholder: a.zones.hr ? a.zones.hr.join(', ') : '100, 120, 140, 160, 180',
      value: a.current.hr_zones ? a.current.hr_zones.join(', ') : '' });
    append(form, h('label', { className: 'field' }, h('span', {}, 'TRIMP weighting (Banister)'), sex),
      h('label', { className: 'field' }, h('span', {}, 'Your own heart-rate zones: five lower bounds, bpm (empty: from your maximum or threshold)'), ownZones),
      h('label', { className: 'field' }, h('span', {}, 'These values apply from'), from),
      h('button', { type: 'submit' }, 'Save'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        for (const [key] of [...FIELDS, ['sex']]) {
          const el = form.elements[key];
          if (el.value === '' || String(a.current[key] ?? '') === el.value) continue;
          const value = key === 'sex' ? el.value : Number(el.value);
          await api('POST', '/api/athlete/settings', { key, value, from: from.value });
        }
        const zones = ownZones.value.split(/[ ,;]+/).filter(Boolean).map(Number);
        if (zones.length && zones.join(', ') !== (a.current.hr_zones || []).join(', ')) {
          await api('POST', '/api/athlete/settings', { key: 'hr_zones', value: zones, from: from.value });
        }
        toast('Saved; your workouts are updated');
        render();
      } catch (err) {
        showFormError(form, err);
      }
    });
    const zones = a.zones.hr ? h('p', {}, 'Heart-rate zones from ', a.zones.hr.map((b, i) => {
      const s = h('span', { className: 'zone-chip' }, `Z${i + 1} ${b}`);
      s.style.background = zoneColor('hr', i);
      return s;
    }), a.zones_estimated ? h('small', { className: 'muted' }, ' (estimated)') : null) : h('p', { className: 'muted' }, 'Zones appear once a workout has heart rate, or once you enter your maximum.');
    const history = a.history.length ? h('details', {}, h('summary', {}, 'History'), h('ul', { className: 'rows' }, a.history.map((e) =>
      h('li', {}, h('span', {}, `${e.key.replace(/_/g, ' ')}: ${JSON.stringify(e.value)} from ${e.from}`),
        h('button', { type: 'button', className: 'small danger', onclick: async () => {
          await api('DELETE', `/api/athlete/settings/${e.key}/${e.from}`);
          render();
        } }, 'Remove'))))) : null;
    card.replaceChildren(h('h2', {}, 'Heart rate, power and zones'),
      h('p', { className: 'muted' }, 'Used for zones and training load. A change applies from its date on; your first value also covers earlier workouts.'),
      zones, form, history);
  };
  await render();
  return card;
}
