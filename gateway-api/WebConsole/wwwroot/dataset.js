// One dataset: its schema and index, record count, the latest records (live through server-sent events), a chart of a
// numeric property, loading a file, and deleting it.
import { api, url } from './api.js';
import { timeSeriesChart } from './chart.js';
import { announce, confirmButton, count, errorArea, facts, field, fill, h, heading, run, section, select, table, text, time } from './dom.js';
import { follow } from './live.js';
import { go } from './router.js';
import { session } from './session.js';
import { uploadSection } from './upload.js';

const READ = 200; // records read for the table and chart
const SHOWN = 100; // rows in the table

function typeText(p) { return p.format ? `${p.type} (${p.format})` : Array.isArray(p.type) ? p.type.join(' | ') : p.type; }

function isNumeric(p) { return p.type === 'number' || p.type === 'integer'; }

function system(record) { return record._systemRecordProperties ?? {}; }

export async function datasetPage(view, { id }, scope) {
  const ws = session.workspace;
  const info = await api.get(url(['datasets', ws, id]));
  const mapping = info.columnMapping;
  const properties = Object.entries(info.schema.properties ?? {});
  const role = name => (name === mapping.key ? 'key' : name === mapping.subkey ? 'subkey' : name === mapping.date ? 'date' : '');
  const required = new Set(info.schema.required ?? []);

  const records = new Map(); // by the record's commit id: a replaced record shows once
  const fresh = new Set();
  const recordCount = h('span', { 'data-testid': 'record-count' }, count(info.records));
  const liveState = h('span', { class: 'live-state' }, 'connecting');
  const liveCount = h('span');
  let arrived = 0;
  const recordsArea = h('div');
  const chartArea = h('figure', { class: 'chart-area' });
  const numeric = properties.filter(([, p]) => isNumeric(p)).map(([name]) => name);
  const chartProperty = select(numeric.length ? numeric : [['', '(no numeric property)']], { name: 'chart-property' });
  const errors = errorArea();

  const order = (a, b) => (system(b).date - system(a).date) || (Number(system(b).id) - Number(system(a).id));
  const columns = () => {
    const names = properties.map(([name]) => name).sort((a, b) => ['key', 'subkey', 'date', ''].indexOf(role(a)) - ['key', 'subkey', 'date', ''].indexOf(role(b)));
    const extra = new Set();
    for (const r of records.values()) for (const k of Object.keys(r)) if (k !== '_systemRecordProperties' && !names.includes(k)) extra.add(k);
    const cols = [...names, ...extra].map(name => ({ label: name, num: isNumeric(info.schema.properties[name] ?? {}), cell: r => text(r[name]) }));
    if (!mapping.date) cols.push({ label: 'Written (UTC)', cell: r => time(system(r).date) });
    return cols;
  };

  function drawChart() {
    const property = chartProperty.value;
    const points = property ? [...records.values()].map(r => ({ key: system(r).key ?? '', date: system(r).date, value: r[property] })) : [];
    const chart = property && timeSeriesChart(points, property);
    if (!chart) { fill(chartArea, h('p', { class: 'empty' }, numeric.length ? 'No values to chart yet.' : 'This dataset has no numeric property to chart.')); return; }
    fill(chartArea, chart.svg, h('figcaption', null, `${property} by date (UTC). `,
      h('ul', { class: 'legend' }, chart.keys.map(([key, colour]) => h('li', null, h('span', { class: 'swatch', style: `background:${colour}` }), key)))));
  }

  function draw() {
    const rows = [...records.values()].sort(order);
    // Keep what the chart reads bounded while records keep arriving.
    for (const r of rows.slice(READ)) records.delete(system(r).id);
    fill(recordsArea, table(columns(), rows.slice(0, SHOWN), {
      caption: `The latest ${Math.min(rows.length, SHOWN)} records, newest first`,
      empty: 'No records yet.',
      rowKey: r => system(r).id,
    }));
    for (const tr of recordsArea.querySelectorAll('tbody tr')) if (fresh.has(tr.dataset.key)) tr.classList.add('fresh');
    drawChart();
  }

  function merge(list, live) {
    for (const r of list) {
      records.set(system(r).id, r);
      if (live) fresh.add(system(r).id);
    }
  }

  async function load() {
    try {
      merge(await api.get(url(['data', ws, id], { last: READ, includeSystemRecordProperties: 'true' })), false);
      draw();
    } catch (error) {
      errors.show(error);
    }
  }

  let countTimer = null;
  function refreshCount() {
    if (countTimer) return;
    countTimer = setTimeout(async () => {
      countTimer = null;
      if (!scope.alive) return;
      try { recordCount.textContent = count((await api.get(url(['datasets', ws, id]))).records); } catch { /* the next frame tries again */ }
    }, 1000);
  }
  scope.onLeave(() => clearTimeout(countTimer));

  chartProperty.addEventListener('change', drawChart);

  const remove = confirmButton('Delete dataset', `Delete ${info.datasetId} and all its records?`, button => run(button, errors, async () => {
    await api.del(url(['datasets', ws, id]));
    announce(`Dataset ${info.datasetId} has been deleted.`);
    go('/datasets');
  }));

  view.append(
    heading(info.datasetId, info.title ?? '', info.description ? ` — ${info.description}` : ''),
    errors,
    facts([
      ['Records', recordCount],
      ['Key', mapping.key],
      ['Subkey', mapping.subkey ?? '—'],
      ['Date', mapping.date ?? '— (the write time)'],
      ['Created (UTC)', time(info.date)],
      ['Updated (UTC)', time(info.updated)],
    ]),
    section('Schema', table([
      { label: 'Property', cell: ([name]) => name },
      { label: 'Type', cell: ([, p]) => typeText(p) },
      { label: 'Index', cell: ([name]) => role(name) },
      { label: 'Required', cell: ([name]) => (required.has(name) || role(name) ? 'yes' : 'no') },
    ], properties, { empty: 'No properties.' })),
    section('Chart', field('Property to chart', chartProperty), chartArea),
    section('Latest records', h('p', { class: 'live', 'aria-live': 'polite' }, 'Live: ', liveState, liveCount), recordsArea),
    uploadSection(info.datasetId, scope, () => { load(); refreshCount(); }),
    section('Delete', h('p', null, 'Deleting a dataset removes its records, and the rules that watch it.'), remove),
  );

  await load();
  const stop = follow(info.datasetId, {
    onState: state => { liveState.textContent = state; },
    onOpen: load,
    onRecords: list => {
      merge(list, true);
      arrived += list.length;
      liveCount.textContent = ` — ${arrived} record${arrived === 1 ? '' : 's'} arrived since the page opened`;
      draw();
      refreshCount();
    },
  });
  scope.onLeave(stop);
}
