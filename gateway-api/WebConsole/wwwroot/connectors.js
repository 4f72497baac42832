// Connectors: the list with each one's state (pending → received → ready → running ⇄ stopped, any → errored) and
// stats, stream selection, start and stop; one connector with its configuration and its log; creating one.
import { api, url } from './api.js';
import { announce, badge, checkbox, confirmButton, count, errorArea, facts, field, fill, h, heading, link, run, section, select, setOptions, time } from './dom.js';
import { go } from './router.js';
import { session } from './session.js';

const TYPES = ['COINBASE', 'ETHEREUM', 'MYSQL'];
const STATES = 'pending → received → ready → running ⇄ stopped; any state → errored';

function connectorPath(name, query) { return url(['connectors', 'connector', name], query); }

function statusCell(c) {
  return h('span', null, badge(c.state.status), c.state.error ? h('span', { class: 'reason' }, ` ${c.state.error}`) : null);
}

/**
 * The stream choice and the start/stop buttons of one connector, enabled as its state allows.
 * Returns {el, update(connector)}; changes are sent with PUT and then `reload()` runs.
 */
function controls(name, errors, reload) {
  const stream = select([], { 'aria-label': `Stream of ${name}` });
  const choose = h('button', { type: 'button', class: 'secondary', 'aria-label': `Select the stream of ${name}` }, 'Select stream');
  const start = h('button', { type: 'button', 'aria-label': `Start ${name}` }, 'Start');
  const stop = h('button', { type: 'button', class: 'secondary', 'aria-label': `Stop ${name}` }, 'Stop');
  const el = h('div', { class: 'controls' }, stream, choose, start, stop);
  let current = null;
  let busy = false;
  let streams = '';

  function refresh() {
    const status = current.state.status;
    const known = current.streams.length > 0;
    stream.hidden = choose.hidden = !known || status === 'running';
    choose.disabled = busy || !['received', 'ready', 'stopped', 'errored'].includes(status);
    stream.disabled = choose.disabled;
    start.disabled = busy || !(['ready', 'stopped'].includes(status) || (status === 'errored' && current.selectedStream));
    stop.disabled = busy || !['running', 'errored'].includes(status);
  }

  async function change(body, done) {
    busy = true;
    refresh();
    try {
      const answer = await api.put(connectorPath(name), body);
      errors.clear();
      announce(`${answer.id} is ${answer.state.status}${done ? ` (${done})` : ''}.`);
    } catch (error) {
      errors.show(error);
    }
    busy = false;
    await reload();
  }

  choose.addEventListener('click', () => change({ selectedStream: stream.value }, `stream ${stream.value}`));
  start.addEventListener('click', () => change({ status: 'running' }));
  stop.addEventListener('click', () => change({ status: 'stopped' }));

  return {
    el,
    update(c) {
      current = c;
      const ids = c.streams.map(s => s.id).join(',');
      if (ids !== streams) {
        streams = ids;
        setOptions(stream, c.streams.map(s => s.id), c.selectedStream ?? stream.value);
      }
      refresh();
    },
  };
}

export async function connectorsPage(view, params, scope) {
  const errors = errorArea();
  const body = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, 'No connectors yet: create one below.');
  const headers = ['Name', 'Type', 'Dataset', 'State', 'Stream', 'Records written', 'Last record (UTC)', 'Reconnects', 'Actions'];
  const grid = h('div', { class: 'table-wrap' }, h('table', null, h('caption', null, STATES),
    h('thead', null, h('tr', null, headers.map(label => h('th', { scope: 'col', class: label.startsWith('Records') || label === 'Reconnects' ? 'num' : null }, label)))), body));
  const rows = new Map();

  // Rows are kept and updated in place, so a button keeps its focus while the state changes around it.
  function row(c) {
    const cells = Array.from({ length: 7 }, (_, i) => h('td', { class: i >= 4 && i !== 5 ? 'num' : null }));
    const act = controls(c.id, errors, load);
    const tr = h('tr', { 'data-key': c.id.toLowerCase() },
      h('th', { scope: 'row' }, link(`#/connectors/${encodeURIComponent(c.id)}`, c.id)), cells, h('td', null, act.el));
    return {
      tr,
      update(next) {
        fill(cells[0], next.connectorType);
        fill(cells[1], link(`#/datasets/${encodeURIComponent(next.datasetId)}`, next.datasetId));
        fill(cells[2], statusCell(next));
        fill(cells[3], next.selectedStream ?? '—');
        fill(cells[4], count(next.stats.recordsWritten));
        fill(cells[5], time(next.stats.lastRecordTime));
        fill(cells[6], count(next.stats.reconnects));
        act.update(next);
      },
    };
  }

  async function load() {
    const list = await api.get(url(['connectors', 'connector']));
    const seen = new Set();
    for (const c of list) {
      const key = c.id.toLowerCase();
      seen.add(key);
      if (!rows.has(key)) { rows.set(key, row(c)); body.append(rows.get(key).tr); }
      rows.get(key).update(c);
    }
    for (const [key, r] of rows) if (!seen.has(key)) { r.tr.remove(); rows.delete(key); }
    grid.hidden = rows.size === 0;
    empty.hidden = rows.size > 0;
  }

  view.append(heading('Connectors', 'Sources that write into a dataset continuously.'), errors, section('All connectors', grid, empty), createForm());
  await load();
  scope.every(1500, async () => { await load(); });
}

async function template(type) {
  const [schema] = await api.get(url(['connectors', type]));
  const config = schema.properties.config;
  const required = new Set(config.required ?? []);
  const value = {};
  const optional = [];
  for (const [name, p] of Object.entries(config.properties)) {
    if ('default' in p) value[name] = p.default;
    else if (required.has(name)) value[name] = p.type === 'array' ? [] : p.type === 'integer' || p.type === 'number' ? 0 : p.type === 'boolean' ? false : p.type === 'object' ? {} : '';
    else optional.push(name);
  }
  return { text: JSON.stringify(value, null, 2), optional };
}

function createForm() {
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off', spellcheck: 'false' });
  const type = select(TYPES, { name: 'connectorType' });
  const dataset = h('input', { type: 'text', name: 'datasetId', autocomplete: 'off', spellcheck: 'false' });
  const description = h('input', { type: 'text', name: 'description', autocomplete: 'off' });
  const wait = h('input', { type: 'checkbox', name: 'wait', checked: true });
  const config = h('textarea', { name: 'config', rows: 8, spellcheck: 'false', class: 'code' });
  const optional = h('p', { class: 'hint' });
  const errors = errorArea();
  const submit = h('button', { type: 'submit' }, 'Create connector');

  // The type's template fills the configuration unless the user has written one of their own meanwhile.
  let lastTemplate = '';
  const useTemplate = () => run(null, errors, async () => {
    const t = await template(type.value);
    if (config.value.trim() === '' || config.value === lastTemplate) config.value = t.text;
    lastTemplate = t.text;
    optional.textContent = t.optional.length ? `Optional: ${t.optional.join(', ')}.` : '';
  });
  type.addEventListener('change', useTemplate);
  useTemplate();

  const form = h('form', { class: 'card' },
    h('div', { class: 'grid' },
      field('Connector name', name, 'Letters, digits, - and _.'),
      field('Type', type),
      field('Dataset id', dataset, 'Created with the stream\'s schema when it does not exist.'),
      field('Description', description)),
    field('Configuration (JSON)', config), optional,
    checkbox('Write synchronously (wait): each batch is stored before the next is read', wait),
    errors,
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      let parsed;
      try {
        parsed = JSON.parse(config.value);
      } catch (error) {
        throw Object.assign(new Error(`The configuration is not JSON: ${error.message}`), { errors: [{ field: 'config', reason: 'must be a JSON object' }] });
      }
      const body = { datasetId: dataset.value.trim(), connectorType: type.value, config: parsed, wait: wait.checked };
      if (description.value.trim()) body.description = description.value.trim();
      const created = await api.post(connectorPath(name.value.trim()), body);
      announce(created.message);
      go(`/connectors/${encodeURIComponent(name.value.trim())}`);
    });
  });
  return section('Create a connector', form);
}

export async function connectorPage(view, { name }, scope) {
  const ws = session.workspace;
  const errors = errorArea();
  const summary = h('div');
  const config = h('pre', { class: 'code' });
  const log = h('ol', { class: 'log', role: 'log', 'aria-label': `Log of ${name}` });
  const act = controls(name, errors, () => load());
  const remove = confirmButton('Delete connector', `Delete ${name}? (its dataset stays)`, button => run(button, errors, async () => {
    await api.del(connectorPath(name));
    announce(`Connector ${name} has been deleted.`);
    go('/connectors');
  }));

  async function load() {
    const [c] = await api.get(connectorPath(name, { displayConfigs: 'true' }));
    fill(summary, facts([
      ['Type', c.connectorType],
      ['Dataset', link(`#/datasets/${encodeURIComponent(c.datasetId)}`, c.datasetId)],
      ['State', statusCell(c)],
      ['Execution', c.state.execId ?? '—'],
      ['Streams', c.streams.map(s => s.id).join(', ') || '—'],
      ['Selected stream', c.selectedStream ?? '—'],
      ['Writes', c.wait ? 'synchronous (wait)' : 'asynchronous'],
      ['Description', c.description || '—'],
      ['Updated (UTC)', time(c.updated)],
      ['Records written', count(c.stats.recordsWritten)],
      ['Last record (UTC)', time(c.stats.lastRecordTime)],
      ['Restarts', count(c.stats.restarts)],
      ['Reconnects', count(c.stats.reconnects)],
      ['Failures in a row', count(c.stats.consecutiveFailures)],
      ['Last error', c.stats.lastError ?? '—'],
    ]));
    config.textContent = JSON.stringify(c.config, null, 2);
    act.update(c);
  }

  async function loadLog() {
    const entries = await api.get(url(['logs', ws], { period: '7d' }));
    const mine = entries.filter(e => e.source === 'connector' && (e.sourceId ?? '').toLowerCase() === name.toLowerCase()).reverse();
    fill(log, mine.length ? mine.map(e => h('li', { class: `level-${e.level}` }, h('time', null, time(e.timestamp)), ' ', badge(e.level), ' ', e.message))
      : h('li', { class: 'empty' }, 'Nothing logged yet.'));
  }

  view.append(heading(name, STATES), errors, summary, act.el, section('Configuration', config), section('Log', log), section('Delete', remove));
  await load();
  await loadLog();
  scope.every(1500, load);
  scope.every(3000, loadLog);
}
