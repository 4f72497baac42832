// The dataset list and the form that creates a dataset (id, properties with their types, key/subkey/date).
import { api, url } from './api.js';
import { announce, errorArea, field, h, heading, link, run, section, select, setOptions, table, time, uid } from './dom.js';
import { go } from './router.js';
import { session } from './session.js';

const TYPES = [
  ['string', 'string'], ['number', 'number'], ['integer', 'integer'], ['boolean', 'boolean'],
  ['date', 'date (YYYY-MM-DD)'], ['date-time', 'date-time (ISO 8601)'], ['object', 'object'], ['array', 'array'], ['any', 'any'],
];

function schemaType(choice) {
  if (choice === 'date' || choice === 'date-time') return { type: 'string', format: choice };
  return { type: choice };
}

function indexText(mapping) {
  if (!mapping) return '—';
  return [mapping.key, mapping.subkey, mapping.date].map(p => p ?? '—').join(' / ');
}

export async function datasetsPage(view, params, scope) {
  const list = h('div', { 'aria-busy': 'true' }, 'Loading…');
  view.append(heading('Datasets', `Workspace ${session.workspace}`), section('All datasets and views', list), createForm());
  const datasets = await api.get(url(['datasets', session.workspace]));
  list.removeAttribute('aria-busy');
  list.replaceChildren(table([
    { label: 'Id', cell: d => link(d.type === 'view' ? `#/views/${encodeURIComponent(d.datasetId)}` : `#/datasets/${encodeURIComponent(d.datasetId)}`, d.datasetId) },
    { label: 'Kind', cell: d => (d.type === 'view' ? 'view' : 'dataset') },
    { label: 'Title', cell: d => d.title ?? '' },
    { label: 'Key / subkey / date', cell: d => indexText(d.columnMapping) },
    { label: 'Properties', num: true, cell: d => Object.keys(d.schema?.properties ?? {}).length },
    { label: 'Updated (UTC)', cell: d => time(d.updated) },
  ], datasets, { caption: `${datasets.length} in ${session.workspace}`, empty: 'No datasets yet: create one below, or write records to create one on demand.' }));
}

function propertyRow(rows, onChange) {
  const n = rows.children.length + 1;
  const name = h('input', { type: 'text', name: 'property-name', autocomplete: 'off', spellcheck: 'false' });
  const type = select(TYPES, { name: 'property-type' });
  const nameId = uid();
  const typeId = uid();
  name.id = nameId;
  type.id = typeId;
  const remove = h('button', { type: 'button', class: 'link' }, `Remove property ${n}`);
  const row = h('li', { class: 'property-row' },
    h('label', { for: nameId, class: 'sr-only' }, `Property ${n} name`), name,
    h('label', { for: typeId, class: 'sr-only' }, `Property ${n} type`), type, remove);
  name.addEventListener('input', onChange);
  type.addEventListener('change', onChange);
  remove.addEventListener('click', () => { row.remove(); onChange(); });
  rows.append(row);
  return row;
}

function createForm() {
  const id = h('input', { type: 'text', name: 'datasetId', autocomplete: 'off', spellcheck: 'false' });
  const title = h('input', { type: 'text', name: 'title', autocomplete: 'off' });
  const rows = h('ol', { class: 'property-rows' });
  const key = select([], { name: 'key' });
  const subkey = select([], { name: 'subkey' });
  const date = select([], { name: 'date' });
  const errors = errorArea();
  const submit = h('button', { type: 'submit' }, 'Create dataset');

  const properties = () => [...rows.querySelectorAll('li')]
    .map(li => ({ name: li.querySelector('input').value.trim(), type: li.querySelector('select').value }))
    .filter(p => p.name);
  const refreshIndex = () => {
    const all = properties();
    setOptions(key, all.filter(p => ['string', 'integer'].includes(p.type)).map(p => p.name));
    setOptions(subkey, [['', '(none)'], ...all.filter(p => ['string', 'integer'].includes(p.type)).map(p => p.name)]);
    setOptions(date, [['', '(none: the write time)'], ...all.filter(p => ['date', 'date-time', 'integer'].includes(p.type)).map(p => p.name)]);
  };
  for (let i = 0; i < 3; i++) propertyRow(rows, refreshIndex);
  refreshIndex();
  const add = h('button', { type: 'button', class: 'secondary' }, 'Add property');
  add.addEventListener('click', () => { propertyRow(rows, refreshIndex).querySelector('input').focus(); });

  const form = h('form', { class: 'card' },
    h('div', { class: 'grid' },
      field('Dataset id', id, 'Letters, digits and _; at most 64.'),
      field('Title', title)),
    h('fieldset', null, h('legend', null, 'Properties'), rows, add),
    h('fieldset', null, h('legend', null, 'Unique index'),
      h('div', { class: 'grid' }, field('Key', key), field('Subkey', subkey), field('Date', date))),
    errors,
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      const props = {};
      for (const p of properties()) props[p.name] = schemaType(p.type);
      const columnMapping = { key: key.value };
      if (subkey.value) columnMapping.subkey = subkey.value;
      if (date.value) columnMapping.date = date.value;
      const body = { dataset: { datasetId: id.value.trim(), title: title.value.trim() || undefined, schema: { type: 'object', properties: props, required: [] }, columnMapping } };
      const created = await api.post(url(['datasets', session.workspace]), body);
      announce(`Dataset ${created.datasetId} has been created.`);
      go(`/datasets/${encodeURIComponent(created.datasetId)}`);
    });
  });
  return section('Create a dataset', form);
}
