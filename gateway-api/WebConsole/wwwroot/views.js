// Views: SQL SELECTs over the workspace's datasets, queried like datasets. The list, creating one (its SQL checked
// first), and one view with its SQL, columns and rows.
import { api, url } from './api.js';
import { announce, badge, confirmButton, errorArea, facts, field, fill, h, heading, link, run, section, table, text, time } from './dom.js';
import { go } from './router.js';
import { session } from './session.js';

const ROWS = 100;

function indexText(mapping) {
  return mapping ? [mapping.key, mapping.subkey, mapping.date].map(p => p ?? '—').join(' / ') : '—';
}

function columnsTable(schema) {
  return table([
    { label: 'Column', cell: ([name]) => name },
    { label: 'Type', cell: ([, p]) => (p.format ? `${p.type} (${p.format})` : text(p.type)) },
  ], Object.entries(schema?.properties ?? {}), { empty: 'No columns.' });
}

export async function viewsPage(view) {
  const ws = session.workspace;
  const views = await api.get(url(['views', ws]));
  view.append(heading('Views', 'SQL joins over the workspace\'s datasets, queried with GET /v1/data like a dataset.'),
    section('All views', table([
      { label: 'View', cell: v => link(`#/views/${encodeURIComponent(v.viewId)}`, v.viewId) },
      { label: 'Status', cell: v => badge(v.status) },
      { label: 'Reads', cell: v => [...v.datasets, ...v.views].join(', ') },
      { label: 'Key / subkey / date', cell: v => indexText(v.columnMapping) },
      { label: 'Updated (UTC)', cell: v => time(v.updated) },
    ], views, { caption: `${views.length} views`, empty: 'No views yet: create one below.' })),
    createForm());
}

function createForm() {
  const id = h('input', { type: 'text', name: 'viewId', autocomplete: 'off', spellcheck: 'false' });
  const sql = h('textarea', { name: 'sql', rows: 6, spellcheck: 'false', class: 'code', placeholder: 'SELECT a.symbol, a.date, a.price, b.name FROM DEMO.prices a JOIN DEMO.names b ON b.symbol = a.symbol' });
  const errors = errorArea();
  const checked = h('div');
  const check = h('button', { type: 'button', class: 'secondary' }, 'Check SQL');
  const submit = h('button', { type: 'submit' }, 'Create view');
  const ws = session.workspace;

  check.addEventListener('click', () => run(check, errors, async () => {
    const answer = await api.post(url(['views', ws, 'validate']), { sql: sql.value });
    fill(checked, h('p', null, `Valid: reads ${answer.datasets.join(', ')}; index ${indexText(answer.columnMapping)}.`), columnsTable(answer.schema));
  }));

  const form = h('form', { class: 'card' }, field('View id', id), field('SQL', sql, 'No SELECT *; WHERE and ON only on key, subkey and date.'), errors, checked,
    h('div', { class: 'actions' }, check, submit));
  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      const created = await api.post(url(['views', ws]), { viewId: id.value.trim(), sql: sql.value });
      announce(`View ${created.viewId} has been created.`);
      go(`/views/${encodeURIComponent(created.viewId)}`);
    });
  });
  return section('Create a view', form);
}

export async function viewPage(view, { id }) {
  const ws = session.workspace;
  const info = await api.get(url(['views', ws, id]));
  const errors = errorArea();
  const rows = h('div');
  view.append(heading(info.viewId, info.title ?? ''), errors,
    facts([
      ['Status', h('span', null, badge(info.status), info.error ? ` ${info.error}` : '')],
      ['Reads', [...info.datasets, ...info.views].join(', ') || '—'],
      ['Key / subkey / date', indexText(info.columnMapping)],
      ['Created (UTC)', time(info.date)],
      ['Updated (UTC)', time(info.updated)],
    ]),
    section('SQL', h('pre', { class: 'code' }, h('code', null, info.sql))),
    section('Columns', columnsTable(info.schema)),
    section('Rows', rows),
    section('Delete', confirmButton('Delete view', `Delete ${info.viewId}?`, button => run(button, errors, async () => {
      await api.del(url(['views', ws, id]));
      announce(`View ${info.viewId} has been deleted.`);
      go('/views');
    }))));
  try {
    const records = await api.get(url(['data', ws, id], { last: ROWS }));
    const names = Object.keys(info.schema?.properties ?? {});
    fill(rows, table(names.map(name => ({ label: name, cell: r => text(r[name]) })), records,
      { caption: `The latest ${records.length} rows`, empty: 'The view has no rows.' }));
  } catch (error) {
    errors.show(error);
  }
}
