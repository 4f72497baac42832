// Small DOM helpers shared by every page: element building (text is always set as text, never parsed as HTML), tables,
// labelled form fields, error display and value formatting.

/** h('p', {class: 'x', onclick: f}, 'text', child…): an element; null, undefined and false children are skipped. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'value' || name === 'checked') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * Fills an element from data only when the data changed since the last fill, so what is read again every few seconds
 * does not take the focus away from a button the user is on.
 */
export function fillFrom(el, data, build) {
  const json = JSON.stringify(data);
  if (el.shownJson === json) return;
  el.shownJson = json;
  fill(el, build(data));
}

let ids = 0;
/** A unique element id. */
export function uid(prefix = 'f') { return `${prefix}-${++ids}`; }

/** A label and its control, linked by id. `hint` is read out with the control (aria-describedby). */
export function field(label, control, hint) {
  control.id ||= uid();
  const wrapper = h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  if (hint) {
    const hintId = uid('hint');
    control.setAttribute('aria-describedby', hintId);
    wrapper.append(h('p', { class: 'hint', id: hintId }, hint));
  }
  return wrapper;
}

/** A checkbox and its label. */
export function checkbox(label, input) {
  input.id ||= uid();
  return h('div', { class: 'check' }, input, h('label', { for: input.id }, label));
}

/** A <select> of [value, label] pairs (or plain values). */
export function select(options, props = {}) {
  const el = h('select', props);
  setOptions(el, options, props.value);
  return el;
}

/** Replaces a select's options, keeping the current choice when it is still offered. */
export function setOptions(el, options, preferred = el.value) {
  const pairs = options.map(o => (Array.isArray(o) ? o : [o, o]));
  el.replaceChildren(...pairs.map(([value, label]) => h('option', { value }, label)));
  if (pairs.some(([value]) => value === preferred)) el.value = preferred;
}

/**
 * A table: columns are {label, cell(row) → node or text, num?} and the first column heads its row. `empty` is shown
 * when there are no rows.
 */
export function table(columns, rows, { caption, empty = 'Nothing yet.', rowKey } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  const head = h('tr', null, columns.map(c => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)));
  const body = rows.map(row => {
    const tr = h('tr', { 'data-key': rowKey ? rowKey(row) : null });
    columns.forEach((c, i) => tr.append(h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: c.num ? 'num' : null }, c.cell(row))));
    return tr;
  });
  return h('div', { class: 'table-wrap' }, h('table', null, caption ? h('caption', null, caption) : null, h('thead', null, head), h('tbody', null, body)));
}

/** A definition list from [term, description] pairs. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([term, description]) => [h('dt', null, term), h('dd', null, description)]));
}

/** A page heading section: h1 and an optional line under it. */
export function heading(title, ...subtitle) {
  const parts = subtitle.filter(Boolean);
  return h('div', { class: 'page-head' }, h('h1', null, title), parts.length ? h('p', { class: 'sub' }, parts) : null);
}

/** A section with its own heading (h2), labelled by it. */
export function section(title, ...children) {
  const id = uid('s');
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), children);
}

/** An area that shows an API error (its detail and each field's reason, verbatim) as an alert, or nothing. */
export function errorArea() {
  const el = h('div', { class: 'error', role: 'alert', hidden: true });
  el.show = error => {
    fill(el, h('p', null, error.message),
      error.errors?.length ? h('ul', null, error.errors.map(e => h('li', null,
        e.index !== undefined ? `record ${e.index}: ` : '', e.field ? h('code', null, e.field) : null, e.field ? ': ' : '', e.reason))) : null);
    el.hidden = false;
  };
  el.clear = () => { el.hidden = true; el.replaceChildren(); };
  return el;
}

/** Runs an async action from a button or form: disables the button meanwhile, shows a failure in `errors`. */
export async function run(button, errors, action) {
  errors?.clear();
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    if (errors) errors.show(error); else throw error;
  } finally {
    if (button) button.disabled = false;
  }
}

/** A button that asks once more before it acts (no browser dialog): the first press arms it for a few seconds. */
export function confirmButton(label, confirmLabel, action) {
  let armed = null;
  const button = h('button', { type: 'button', class: 'danger' }, label);
  button.addEventListener('click', async () => {
    if (!armed) {
      button.textContent = confirmLabel;
      armed = setTimeout(() => { armed = null; button.textContent = label; }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.textContent = label;
    await action(button);
  });
  return button;
}

/** Says something to the status line (read out by screen readers). */
export function announce(message) {
  document.getElementById('status').textContent = message;
}

/** Epoch ms as 'YYYY-MM-DD HH:MM:SS' UTC; null → '—'. */
export function time(ms) {
  if (ms === null || ms === undefined || ms === 0) return '—';
  const date = new Date(typeof ms === 'number' ? ms : Date.parse(ms));
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString().replace('T', ' ').slice(0, 19);
}

/** A record value as text: objects as JSON, null as '—'. */
export function text(value) {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A count with thousands separators. */
export function count(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : text(n); }

/** A byte size as B, kB, MB or GB. */
export function bytes(n) {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** A link to a console page. */
export function link(href, label) { return h('a', { href }, label); }

/** A state word as a badge (its class gives the colour). */
export function badge(state) { return h('span', { class: `badge badge-${String(state).toLowerCase()}` }, state); }
