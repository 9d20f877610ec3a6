// uploads.js: the Settings card for upload URLs, which recording apps on a
// phone (FitoTrack, scripts, anything that can POST a file) use to add
// workouts on their own. An upload URL can only add workouts.
import { api } from './api.js';
import { h, toast, when, showFormError, formData } from './dom.js';

function copyButton(text, what) {
  const copy = h('button', { type: 'button', className: 'small' }, 'Copy');
  copy.addEventListener('click', async () => {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  });
  return copy;
}

/** uploadsCard lists the user's upload URLs and makes new ones. */
export async function uploadsCard() {
  const reveal = h('div', { className: 'reveal', hidden: true });
  const form = h('form', { className: 'inline', novalidate: true },
    h('label', { className: 'field' }, h('span', {}, 'New upload URL for'),
      h('input', { name: 'name', required: true, maxlength: 100, placeholder: 'e.g. FitoTrack on my phone' })),
    h('button', { type: 'submit' }, 'Create upload URL'));
  const list = h('ul', { className: 'rows', id: 'upload-token-list' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const t = await api('POST', '/api/upload-tokens', formData(form));
      reveal.replaceChildren(
        h('p', {}, h('strong', {}, `Upload URL “${t.name}” created.`), ' Copy it now: it will not be shown again.'),
        h('div', { className: 'secret-row' }, h('code', { className: 'secret', 'data-upload-url': true }, t.url), copyButton(t.url, 'Upload URL')),
        h('small', { className: 'muted block' },
          'In FitoTrack: Settings → Auto-Export → HTTP POST, and paste this URL. In RunnerUp: an Endurain account with URL ' + location.origin + '/api/v1, your username, and the token (the URL’s last part) as password. ',
          'Anything else can POST a FIT, GPX or TCX file (gzipped or not) to it as the body.'));
      reveal.hidden = false;
      form.reset();
      list.querySelector(`[data-upload-token-id="${t.id}"]`)?.remove(); // the live update may have come first
      list.prepend(row(t));
    } catch (err) {
      showFormError(form, err);
    } finally {
      button.disabled = false;
    }
  });
  const card = h('section', { className: 'card', id: 'upload-urls' },
    h('h2', {}, 'Upload URLs'),
    h('p', { className: 'muted' }, 'Let a recording app send each workout here when you finish it. An upload URL can add workouts and nothing else.'),
    form, reveal, list);
  card.refresh = async () => list.replaceChildren(...(await api('GET', '/api/upload-tokens')).map(row));
  await card.refresh();
  return card;
}

function row(t) {
  const revoke = h('button', { type: 'button', className: 'small danger' }, 'Revoke');
  const li = h('li', { 'data-upload-token-id': t.id },
    h('div', {}, h('strong', {}, t.name),
      h('small', { className: 'muted block' }, `created ${when(t.created_at)} · ${t.last_used_at ? 'last upload ' + when(t.last_used_at) : 'never used'}`)),
    revoke);
  revoke.addEventListener('click', async () => {
    if (!confirm(`Revoke the upload URL “${t.name}”? The app using it will no longer be able to upload.`)) return;
    await api('DELETE', `/api/upload-tokens/${t.id}`);
    li.remove();
    toast('Upload URL revoked');
  });
  return li;
}
