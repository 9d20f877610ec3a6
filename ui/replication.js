// replication.js: the admin's Settings card for offsite replication
// (-replicate): is the copy elsewhere up to date, when did it last receive
// changes, and is it failing. It looks again every few seconds while shown.
import { api } from './api.js';
import { h, when } from './dom.js';

const REFRESH_MS = 5000;

/** replicationCard shows GET /api/admin/replication; admins only. */
export async function replicationCard() {
  const body = h('div', {});
  const card = h('section', { className: 'card', id: 'replication' }, h('h2', {}, 'Offsite replication'), body);
  const refresh = async () => {
    const st = await api('GET', '/api/admin/replication');
    body.replaceChildren(...(st.enabled ? st.replicas.map(replicaView) : [off()]));
  };
  await refresh();
  const timer = setInterval(() => {
    if (!card.isConnected) { clearInterval(timer); return; }
    refresh().catch(() => {});
  }, REFRESH_MS);
  return card;
}

function off() {
  return h('p', { className: 'muted' },
    'Off. Everything lives on this machine only. Start fitcast with -replicate s3://bucket/prefix or -replicate file:///mounted/folder to keep a continuous copy elsewhere.');
}

function ago(seconds) {
  if (seconds < 1) return 'now';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function replicaView(r) {
  const state = !r.healthy ? 'failing' : r.behind_transactions > 0 ? 'behind' : 'ok';
  const headline = {
    ok: 'Up to date',
    behind: `${ago(r.lag_seconds)} behind`,
    failing: 'Failing: changes are kept here until it is back',
  }[state];
  return h('div', { className: 'replica', 'data-replica-state': state },
    h('p', { className: 'replica-head' },
      h('span', { className: `replica-light ${state}`, role: 'img', 'aria-label': state }),
      h('strong', {}, headline)),
    h('p', {}, h('code', {}, r.url)),
    h('dl', { className: 'replica-facts' },
      h('dt', {}, 'Last upload'), h('dd', {}, r.last_sync_at ? when(r.last_sync_at) : 'not yet'),
      h('dt', {}, 'Waiting to upload'), h('dd', {}, `${r.behind_transactions} transaction${r.behind_transactions === 1 ? '' : 's'}`),
      h('dt', {}, 'Errors'), h('dd', {}, String(r.errors))),
    r.last_error && !r.healthy ? h('p', { className: 'warn-text replica-error' }, r.last_error) : null,
    h('small', { className: 'muted block' },
      `A lost machine loses at most the last ${r.interval_seconds} s of changes while this copy is up to date.`));
}
