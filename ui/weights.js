// weights.js: body weight. Weigh-ins are dated (today unless told), listed
// newest first, and can be corrected or deleted; the chart runs along a
// time axis labelled with dates. Every open screen follows the changes.
import { api } from './api.js';
import { h, toast, showFormError, formData } from './dom.js';
import { session } from './session.js';
import { bind, EVENTS } from './updates.js';
import * as f from './format.js';
import { uplot } from './lazy.js';
import { color } from './theme.js';

const SHOWN = 8; // weigh-ins listed before "Show all"

/** weightCard is the Goals page's body-weight card; view is the page's. */
export async function weightCard(view) {
  const card = h('section', { className: 'card weights' }, h('h2', {}, 'Body weight'));
  const chartBox = h('div');
  const list = h('ul', { className: 'rows weigh-ins' });
  const more = h('button', { type: 'button', className: 'small', hidden: true }, 'Show all');
  let all = false;
  more.addEventListener('click', () => { all = true; refresh(); });

  const form = weighInForm({ onSave: async (body) => api('POST', '/api/weights', body), submit: 'Log' });
  card.append(form, chartBox, list, more);

  async function refresh() {
    const weights = await api('GET', '/api/weights');
    chartBox.replaceChildren(...[await weightChart(weights)].filter(Boolean));
    const newest = weights.slice().reverse();
    const shown = all ? newest : newest.slice(0, SHOWN);
    list.replaceChildren(...shown.map((w) => weighInRow(w)));
    more.hidden = all || newest.length <= SHOWN;
    more.textContent = `Show all ${newest.length}`;
  }

  function weighInRow(w) {
    const row = h('li', { 'data-weight-id': w.id },
      h('span', {}, h('strong', {}, f.weight(w.kg)), ' ', h('span', { className: 'muted' }, f.day(w.at))),
      h('span', { className: 'row-actions' },
        h('button', { type: 'button', className: 'small', onclick: () => {
          row.replaceChildren(weighInForm({
            weight: w, submit: 'Save', onCancel: () => row.replaceWith(weighInRow(w)),
            onSave: async (body) => api('PUT', `/api/weights/${w.id}`, body),
          }));
        } }, 'Edit'),
        h('button', { type: 'button', className: 'small danger', onclick: async () => {
          if (!confirm(`Delete the weigh-in of ${f.weight(w.kg)} on ${f.day(w.at)}?`)) return;
          try {
            await api('DELETE', `/api/weights/${w.id}`);
          } catch (err) {
            toast(err.message);
          }
        } }, 'Delete')));
    return row;
  }

  bind(view, card, [EVENTS.weights], refresh);
  await refresh();
  return card;
}

// weighInForm takes a weight and a date, in the user's units and zone; a
// weigh-in is kept at noon of its day, so it lands on that day in any zone
// the user may later choose.
function weighInForm({ weight, submit, onSave, onCancel }) {
  const today = f.localDate(new Date());
  const form = h('form', { className: 'inline weigh-in-form', novalidate: true },
    h('label', { className: 'field' }, h('span', {}, `Weight (${f.weightUnit()})`),
      h('input', { name: 'kg', type: 'number', min: '20', step: '0.1', inputmode: 'decimal', required: true,
        value: weight ? +f.fromKg(weight.kg).toFixed(1) : '' })),
    h('label', { className: 'field' }, h('span', {}, 'Date'),
      h('input', { name: 'date', type: 'date', max: today, required: true, value: weight ? f.localDate(new Date(weight.at)) : today })),
    h('button', { type: 'submit', className: weight ? 'primary' : '' }, submit),
    onCancel ? h('button', { type: 'button', className: 'small', onclick: onCancel }, 'Cancel') : null);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = formData(form);
    if (d.kg === '') return showFormError(form, { field: 'kg', message: 'Enter your weight' });
    const at = d.date === today && !weight ? new Date().toISOString() : f.fromLocalInput(`${d.date}T12:00`);
    try {
      await onSave({ kg: f.toKg(Number(d.kg)), at });
      if (!weight) form.reset();
      form.querySelector('[name=date]').value = today;
    } catch (err) {
      showFormError(form, err.field === 'at' ? Object.assign(err, { field: 'date' }) : err);
    }
  });
  return form;
}

/**
 * weightChart draws weigh-ins over time, the time axis labelled with
 * dates and the weight axis with its unit; one weigh-in is a line of text.
 */
export async function weightChart(weights) {
  if (weights.length < 2) return weights.length ? h('p', { className: 'muted' }, `Last: ${f.weight(weights[0].kg)}`) : null;
  const uPlot = await uplot();
  const el = h('div', { className: 'chart weight-chart' });
  const width = Math.min(840, document.getElementById('main').clientWidth - 72);
  const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: session.me?.timezone || undefined });
  const xs = weights.map((w) => Date.parse(w.at) / 1000);
  el.plot = new uPlot({
    width, height: 180,
    scales: {
      // At least a week wide, so a few weigh-ins a day apart do not stretch into hours.
      x: { time: true, range: (u, min, max) => (max - min < 7 * 86400 ? [max - 7 * 86400, max + 86400] : [min, max]) },
    },
    series: [{ label: 'Date', value: (u, v) => (v == null ? '—' : f.day(new Date(v * 1000).toISOString())) },
      { label: 'Weight', stroke: color('chart-weight'), width: 2, points: { show: true }, value: (u, v) => (v == null ? '—' : f.weight(v)) }],
    axes: [
      { stroke: 'currentColor', space: 60, incrs: [86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 182 * 86400, 365 * 86400],
        values: (u, vals) => vals.map((v) => dayFmt.format(new Date(v * 1000))) },
      { stroke: 'currentColor', label: f.weightUnit(), labelSize: 16, values: (u, vals) => vals.map((v) => +f.fromKg(v).toFixed(1)) }],
  }, [xs, weights.map((w) => w.kg)], el);
  return el;
}
