// gear.js: shoes, bikes and other equipment: the settings card that lists,
// adds, retires and deletes them, the dashboard's note when shoes are worn
// out, a picker for the log form, and the names on a workout's page.
import { api } from './api.js';
import { h, append, toast, showFormError, formData } from './dom.js';
import * as f from './format.js';
import { sports as catalogSports } from './catalog.js';

const KINDS = { shoes: '👟', bike: '🚲', other: '🎒' };

/** gearCard is the settings page's gear list with an add form. */
export async function gearCard() {
  const card = h('section', { className: 'card', id: 'gear' });
  const sports = await catalogSports();
  const render = async () => {
    const list = await api('GET', '/api/gear');
    const form = h('form', { className: 'gear-form' },
      h('label', { className: 'field' }, h('span', {}, 'Name'), h('input', { name: 'gear_name', required: true, maxlength: '100', placeholder: 'Trail shoes' })),
      h('label', { className: 'field' }, h('span', {}, 'Kind'), h('select', { name: 'kind' }, Object.keys(KINDS).map((k) => h('option', { value: k }, k)))),
      h('label', { className: 'field' }, h('span', {}, 'Default for'), h('select', { name: 'default_sport' }, h('option', { value: '' }, 'No sport'),
        sports.filter((s) => s.kind !== 'strength').map((s) => h('option', { value: s.key }, s.name)))),
      h('label', { className: 'field' }, h('span', {}, `Alert after (${f.distanceUnit()}); shoes default to 700 km`),
        h('input', { name: 'alert', type: 'number', min: '1', step: '1', inputmode: 'numeric' })),
      h('button', { type: 'submit' }, 'Add gear'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const d = formData(form);
      try {
        await api('POST', '/api/gear', { name: d.gear_name, kind: d.kind, default_sport: d.default_sport,
          alert_distance_m: d.alert ? f.toMetres(Number(d.alert)) : null });
        toast('Gear added');
        render();
      } catch (err) {
        showFormError(form, err.field === 'name' ? Object.assign(err, { field: 'gear_name' }) : err);
      }
    });
    const save = (g, changes) => api('PUT', `/api/gear/${g.id}`, { name: g.name, kind: g.kind, default_sport: g.default_sport,
      alert_distance_m: g.alert_distance_m, retired_on: g.retired_on, notes: g.notes, ...changes }).then(render);
    card.replaceChildren(h('h2', {}, 'Gear'),
      list.length ? h('ul', { className: 'rows gear-list' }, list.map((g) => h('li', { 'data-gear': g.name },
        h('span', { className: 'grow' }, `${KINDS[g.kind] || ''} `, h('strong', {}, g.name), g.alert ? h('span', { className: 'badge warn' }, 'worn out') : null,
          h('small', { className: 'muted block' }, `${f.distance(g.distance_m)} · ${f.duration(g.duration_s)} · ${g.workouts} workouts`,
            g.default_sport ? ` · default for ${g.default_sport.replace(/_/g, ' ')}` : '', g.retired_on ? ` · retired ${g.retired_on}` : '')),
        g.retired_on
          ? h('button', { type: 'button', className: 'small', onclick: () => save(g, { retired_on: '' }) }, 'Unretire')
          : h('button', { type: 'button', className: 'small', onclick: () => save(g, { retired_on: new Date().toISOString().slice(0, 10), default_sport: '' }) }, 'Retire'),
        h('button', { type: 'button', className: 'small danger', onclick: async () => {
          if (!confirm(`Delete ${g.name}? Workouts keep their numbers.`)) return;
          await api('DELETE', `/api/gear/${g.id}`);
          render();
        } }, 'Delete')))) : h('p', { className: 'muted' }, 'Add shoes or a bike to see how far they have gone.'),
      h('details', {}, h('summary', {}, 'Add gear'), form));
  };
  await render();
  return card;
}

/** gearAlerts is the dashboard's note about gear past its alert distance. */
export async function gearAlerts() {
  const worn = (await api('GET', '/api/gear')).filter((g) => g.alert);
  if (!worn.length) return null;
  return h('section', { className: 'card note warn', 'data-gear-alert': true }, h('h2', {}, '👟 Time for new gear?'),
    h('ul', { className: 'rows' }, worn.map((g) => h('li', {}, h('strong', {}, g.name),
      h('span', { className: 'muted' }, `${f.distance(g.distance_m)} of ${f.distance(g.alert_distance_m)}`)))),
    h('a', { href: '/settings#gear', 'data-link': true }, 'Manage gear →'));
}

/** gearLine names the gear a workout carried, or null. */
export async function gearLine(w) {
  if (!w.gear?.length) return null;
  const all = await api('GET', '/api/gear');
  const names = w.gear.map((id) => all.find((g) => g.id === id)?.name).filter(Boolean);
  return names.length ? h('p', { className: 'muted gear-line' }, '🎒 ', names.join(', ')) : null;
}

/**
 * gearPicker is the log form's gear checkboxes. value() is the chosen ids,
 * or undefined when the user touched nothing on a new workout (the server
 * then picks the sport's default).
 */
export async function gearPicker(existing) {
  const all = (await api('GET', '/api/gear')).filter((g) => !g.retired_on || existing?.gear?.includes(g.id));
  let touched = false;
  const boxes = all.map((g) => h('input', { type: 'checkbox', value: String(g.id), checked: existing?.gear?.includes(g.id),
    onchange: () => { touched = true; } }));
  const el = all.length ? h('fieldset', { className: 'gear-picker' }, h('legend', {}, 'Gear (unticked: the sport\'s default)'),
    all.map((g, i) => h('label', { className: 'check' }, boxes[i], ` ${KINDS[g.kind] || ''} ${g.name}`))) : null;
  return {
    el,
    value: () => (touched || existing ? boxes.filter((b) => b.checked).map((b) => Number(b.value)) : undefined),
  };
}

