// data.js: getting data in and out. Files go up in one request; the
// import runs on the server in the background and its progress arrives
// over the socket, so the bar moves even for an archive of years.
import { api, upload } from './api.js';
import { h, append, toast } from './dom.js';
import { session } from './session.js';
import { bind, EVENTS } from './updates.js';
import * as f from './format.js';

const ACCEPT = '.fit,.gpx,.tcx,.gz,.zip,.csv';

export async function dataPage(main) {
  const input = h('input', { type: 'file', multiple: true, accept: ACCEPT, hidden: true, name: 'files' });
  const folder = h('input', { type: 'file', webkitdirectory: true, hidden: true, name: 'folder' });
  const zone = h('label', { className: 'drop-zone', tabindex: 0 },
    input,
    h('strong', {}, 'Drop files here or tap to choose'),
    h('span', { className: 'muted' }, 'FIT, GPX and TCX (also .gz), zip archives (a Strava, Garmin Connect or Apple Health account export, a fitcast export, or any zip of such files), Strong or Hevy CSV'));
  // Strong's CSV does not say whether its weights are kg or lb: the user
  // says, and the account's unit setting is the default.
  const unit = h('select', { name: 'weight_unit' },
    h('option', { value: 'kg' }, 'kilograms'), h('option', { value: 'lb' }, 'pounds'));
  unit.value = session.me?.units === 'imperial' ? 'lb' : 'kg';
  const unitField = h('label', { className: 'field inline' }, h('span', {}, 'Strong CSV weights are in'), unit);
  const progress = h('div', { className: 'import-progress', hidden: true });
  const history = h('ul', { className: 'rows' });
  let current = null; // {id, render}

  const start = async (files) => {
    if (!files.length) return;
    zone.classList.add('busy');
    const bar = h('progress', { max: 1, value: 0 });
    const label = h('p', { className: 'muted' }, `Uploading ${files.length} file${files.length === 1 ? '' : 's'}…`);
    const summary = h('div');
    progress.hidden = false;
    progress.replaceChildren(bar, label, summary);
    try {
      const job = await upload('/api/imports', files, (frac) => { bar.value = frac; label.textContent = `Uploading… ${Math.round(frac * 100)}%`; },
        { weight_unit: unit.value });
      bar.value = 0;
      label.textContent = 'Waiting to start…';
      current = {
        id: job.id,
        render: async (e) => {
          bar.max = Math.max(1, e.total);
          bar.value = e.done;
          label.textContent = `Read ${e.done} of ${e.total} file${e.total === 1 ? '' : 's'} · ${e.imported} imported, ${e.duplicates} already here, ${e.failed} failed`;
          if (e.status === 'done' || e.status === 'interrupted') {
            current = null;
            zone.classList.remove('busy');
            summary.replaceChildren(results(await api('GET', `/api/imports/${job.id}`)));
            refreshHistory();
          }
        },
      };
    } catch (err) {
      toast(err.message);
      progress.hidden = true;
      zone.classList.remove('busy');
    }
  };
  input.addEventListener('change', () => start([...input.files]));
  folder.addEventListener('change', () => start([...folder.files].filter((file) => !file.name.startsWith('.'))));
  zone.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') input.click(); });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    start([...e.dataTransfer.files]);
  });
  bind(main, progress, [EVENTS.importProgress], (e) => {
    if (current && e.id === current.id) current.render(e);
    // Uploads from apps and watched folders are imports too: list them as they end.
    else if (e.status === 'done') refreshHistory();
  });

  async function refreshHistory() {
    const list = await api('GET', '/api/imports');
    history.replaceChildren(...list.map((s) => h('li', {},
      h('span', {}, f.dateTime(s.created_at)),
      h('span', { className: 'muted' }, ` · ${s.imported} imported, ${f.plural(s.duplicates, 'duplicate')}, ${s.failed} failed${s.status === 'done' ? '' : ' · ' + s.status}`),
      s.failed ? h('ul', { className: 'import-failures' }, s.results.filter((r) => r.status === 'failed').slice(0, 5)
        .map((r) => h('li', {}, h('strong', {}, r.name), ': ', r.reason))) : null)));
    history.parentElement.hidden = !list.length;
  }

  append(main, 
    h('h1', { className: 'page-title' }, 'Import & export'),
    h('section', { className: 'card' }, h('h2', {}, 'Import'), zone, unitField,
      h('p', { className: 'center' }, folder, h('button', { type: 'button', className: 'small', onclick: () => folder.click() }, 'Choose a whole folder')),
      progress),
    h('section', { className: 'card', hidden: true }, h('h2', {}, 'Recent imports'), history),
    h('section', { className: 'card' }, h('h2', {}, 'Export'),
      h('p', {}, 'Everything you have here in one zip: workouts with their sets, samples and original files, goals, weigh-ins, templates and games as JSON, and your workouts as CSV for spreadsheets. Importing the zip into another fitcast restores it all.'),
      h('a', { className: 'button primary', href: '/api/export', download: true }, 'Download everything')));
  await refreshHistory();
}

// results is an import's outcome: counts, then every file that failed with
// why, the files recovered from damage with how much was read, notes (the
// weight unit a CSV was read in, activities of a file that could not be
// imported), then the duplicates folded away.
function results(s) {
  const failed = s.results.filter((r) => r.status === 'failed');
  const dups = s.results.filter((r) => r.status === 'duplicate');
  const recovered = s.results.filter((r) => r.recovered);
  const noted = s.results.filter((r) => r.status === 'imported' && (r.note || r.reason));
  const pct = (d) => d.total_bytes ? ` (${Math.round((100 * d.read_bytes) / d.total_bytes)}% of the file read, ${d.records} records)` : '';
  return h('div', { className: 'import-summary' },
    h('p', {}, h('strong', {}, `${s.imported} workout${s.imported === 1 ? '' : 's'} imported`),
      `, ${s.duplicates} already here, ${s.failed} failed${s.status === 'interrupted' ? ' (interrupted: import the rest again)' : ''}.`),
    failed.length ? h('ul', { className: 'rows failed' }, failed.map((r) => h('li', {}, h('strong', {}, r.name), h('span', { className: 'muted' }, ` ${r.reason}`)))) : null,
    recovered.length ? h('ul', { className: 'rows recovered' }, recovered.map((r) => h('li', {}, h('strong', {}, `${r.name}: recovered from a damaged file`),
      h('span', { className: 'muted' }, ` ${r.recovered.reason}${pct(r.recovered)}`)))) : null,
    noted.length ? h('ul', { className: 'rows notes' }, noted.map((r) => h('li', {}, h('strong', {}, r.name),
      h('span', { className: 'muted' }, ` ${[r.note, r.reason].filter(Boolean).join('; ')}`)))) : null,
    dups.length ? h('details', {}, h('summary', {}, `${dups.length} duplicate file${dups.length === 1 ? '' : 's'}`),
      h('ul', { className: 'rows' }, dups.map((r) => h('li', {}, r.name)))) : null,
    s.imported ? h('a', { href: '/workouts', 'data-link': true, className: 'button' }, 'See your workouts') : null);
}
