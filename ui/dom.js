// dom.js: small helpers for building the UI without innerHTML, so that no
// user-supplied text is ever parsed as markup.

/**
 * h creates an element. attrs may hold properties (className, value...),
 * attributes (data-*, aria-*, for...) and on* event handlers; children are
 * nodes or strings (strings become text nodes).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'className' || k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * append adds children to el as h does: strings become text, and null,
 * undefined and false are left out (Element.append would write "null").
 */
export function append(el, ...children) {
  el.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

/** toast shows a short message at the bottom of the screen. */
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = 'toast ' + kind;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** when formats an RFC 3339 time in the viewer's locale and timezone. */
export function when(iso) {
  return iso ? dateFmt.format(new Date(iso)) : '—';
}

/**
 * formErrors shows an ApiError next to the field it names, or at the top
 * of the form when it names none.
 */
export function showFormError(form, err) {
  form.querySelectorAll('.field-error').forEach((el) => el.remove());
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  const input = err.field && form.querySelector(`[name="${CSS.escape(err.field)}"]`);
  const msg = h('p', { className: 'field-error', role: 'alert' }, err.message);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.closest('label').after(msg);
    input.focus();
  } else {
    form.prepend(msg);
  }
}

/** formData returns a form's named fields as a plain object. */
export function formData(form) {
  return Object.fromEntries(new FormData(form).entries());
}
