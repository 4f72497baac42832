// The workspace log (GET /v1/logs/:workspace): job milestones, connector state changes, rule delivery failures.
// Followed by reading it again every few seconds.
import { api, url } from './api.js';
import { badge, checkbox, errorArea, field, fill, h, heading, section, select, setOptions, table, time } from './dom.js';
import { session } from './session.js';

const PERIODS = [['15m', 'the last 15 minutes'], ['1h', 'the last hour'], ['1d', 'the last day'], ['7d', 'the last 7 days']];

export async function logsPage(view, params, scope) {
  const period = select(PERIODS, { name: 'period', value: '1h' });
  const source = select([['', 'every source']], { name: 'source' });
  const level = select([['', 'every level']], { name: 'level' });
  const followBox = h('input', { type: 'checkbox', name: 'follow', checked: true });
  const list = h('div');
  const errors = errorArea();
  let entries = [];

  function draw() {
    setOptions(source, [['', 'every source'], ...[...new Set(entries.map(e => e.source))].sort()]);
    setOptions(level, [['', 'every level'], ...[...new Set(entries.map(e => e.level))].sort()]);
    const shown = entries.filter(e => (!source.value || e.source === source.value) && (!level.value || e.level === level.value)).reverse();
    fill(list, table([
      { label: 'Time (UTC)', cell: e => time(e.timestamp) },
      { label: 'Level', cell: e => badge(e.level) },
      { label: 'Source', cell: e => (e.sourceId ? `${e.source} ${e.sourceId}` : e.source) },
      { label: 'Message', cell: e => e.message },
    ], shown, { caption: `${shown.length} entries, newest first`, empty: 'Nothing logged in this period.' }));
  }

  async function load() {
    try {
      entries = await api.get(url(['logs', session.workspace], { period: period.value, limit: 2000 }));
      errors.clear();
      draw();
    } catch (error) {
      errors.show(error);
    }
  }

  period.addEventListener('change', load);
  source.addEventListener('change', draw);
  level.addEventListener('change', draw);
  view.append(heading('Logs', `What the service logged for workspace ${session.workspace}.`),
    h('form', { class: 'card filters', onsubmit: e => e.preventDefault() },
      h('div', { class: 'grid' }, field('Period', period), field('Source', source), field('Level', level)),
      checkbox('Follow: read new entries every 3 seconds', followBox)),
    errors, section('Entries', list));
  await load();
  scope.every(3000, async () => { if (followBox.checked) await load(); });
}
