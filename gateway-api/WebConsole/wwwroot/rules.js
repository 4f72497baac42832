// Rules: the list with their counters, pause and resume, creating a one-condition rule; one rule with its definition,
// its alerts (the logs output) and its deliveries (webhook and dataset outputs).
import { api, url } from './api.js';
import { announce, badge, confirmButton, count, errorArea, facts, field, fill, fillFrom, h, heading, link, run, section, select, setOptions, table, text, time } from './dom.js';
import { go } from './router.js';
import { session } from './session.js';

function rulePath(...rest) { return url(['rules', ...rest]); }

function pauseButton(rule, errors, reload) {
  const paused = !rule.isActive;
  const button = h('button', { type: 'button', class: 'secondary', 'aria-label': `${paused ? 'Resume' : 'Pause'} ${rule.name}` }, paused ? 'Resume' : 'Pause');
  button.addEventListener('click', () => run(button, errors, async () => {
    await api.post(rulePath(paused ? 'resume' : 'pause'), { ruleId: rule.id });
    announce(`Rule ${rule.name} is ${paused ? 'active' : 'paused'}.`);
    await reload();
  }));
  return button;
}

const COUNTERS = [['ran', 'Ran'], ['passed', 'Passed'], ['failed', 'Failed'], ['sent', 'Sent'], ['throttled', 'Throttled'], ['deliveryFailed', 'Delivery failed']];

export async function rulesPage(view, params, scope) {
  const list = h('div');
  const errors = errorArea();

  async function load() {
    fillFrom(list, await api.get(rulePath()), rules => table([
      { label: 'Rule', cell: r => link(`#/rules/${r.id}`, r.name) },
      { label: 'State', cell: r => badge(r.isActive ? 'active' : 'paused') },
      ...COUNTERS.map(([key, label]) => ({ label, num: true, cell: r => count(r[key]) })),
      { label: 'Last evaluated (UTC)', cell: r => time(r.evaluated) },
      { label: 'Last error', cell: r => r.lastError ?? '—' },
      { label: 'Actions', cell: r => pauseButton(r, errors, load) },
    ], rules, { caption: 'ran = passed + failed; passed = sent + throttled', empty: 'No rules yet: create one below.' }));
  }

  view.append(heading('Rules', 'Rules watch a dataset\'s writes and raise alerts.'), errors, section('All rules', list), await createForm());
  await load();
  scope.every(2000, load);
}

/** A condition's right side as the rule API wants it: numbers for number facts, lists for in/notIn/between. */
function operand(raw, type, op) {
  const one = v => {
    const t = v.trim();
    if ((type === 'number' || type === 'integer') && t !== '' && !Number.isNaN(Number(t))) return Number(t);
    if (type === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
    return t;
  };
  return ['in', 'notIn', 'between'].includes(op) ? raw.split(',').map(one) : one(raw);
}

async function createForm() {
  const schema = await api.get(rulePath('schema'));
  const entities = schema.schema.workspaces[0]?.namespaces[0]?.entities ?? [];
  const name = h('input', { type: 'text', name: 'ruleName', autocomplete: 'off' });
  const dataset = select(entities.length ? entities.map(e => e.entity) : [['', '(no datasets yet)']], { name: 'dataset' });
  const fact = select([], { name: 'fact' });
  const op = select([], { name: 'operator' });
  const value = h('input', { type: 'text', name: 'value', autocomplete: 'off' });
  const webhook = h('input', { type: 'url', name: 'webhook', autocomplete: 'off', placeholder: 'https://…' });
  const errors = errorArea();
  const created = h('div', { class: 'created', hidden: true });
  const submit = h('button', { type: 'submit' }, 'Create rule');

  const facts_ = () => entities.find(e => e.entity === dataset.value)?.facts ?? [];
  const chosen = () => facts_().find(f => f.value === fact.value);
  const refreshOps = () => {
    const ops = schema.operators[chosen()?.type] ?? Object.values(schema.operators)[0] ?? [];
    setOptions(op, ops.map(o => [o.value, `${o.label} (${o.value})`]));
  };
  const refreshFacts = () => { setOptions(fact, facts_().map(f => [f.value, `${f.label} (${f.type})`])); refreshOps(); };
  dataset.addEventListener('change', refreshFacts);
  fact.addEventListener('change', refreshOps);
  refreshFacts();

  const form = h('form', { class: 'card' },
    h('div', { class: 'grid' },
      field('Rule name', name),
      field('Dataset', dataset),
      field('Property', fact),
      field('Operator', op),
      field('Value', value, 'Lists (in, not in, between) are comma separated.'),
      field('Webhook URL', webhook, 'Optional. Alerts are always kept in the rule\'s log output.')),
    errors, created,
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      const outputs = [{ method: 'logs' }];
      if (webhook.value.trim()) outputs.push({ method: 'webhook', url: webhook.value.trim() });
      const body = {
        ruleName: name.value.trim(), type: 'all', index: [fact.value],
        conditions: [['$index[0]', op.value, operand(value.value, chosen()?.type, op.value)]], outputs,
      };
      const answer = await api.post(rulePath('create'), body);
      announce(answer.message);
      const secret = answer.outputs?.find(o => o.secret)?.secret;
      if (secret) {
        // The webhook's signing secret is shown once; stay on the page so it can be copied.
        fill(created, h('p', null, `${answer.message}. The webhook signing secret, shown only now: `, h('code', null, secret), ' ', link(`#/rules/${answer.id}`, 'Open the rule')));
        created.hidden = false;
      } else {
        go(`/rules/${answer.id}`);
      }
    });
  });
  return section('Create a rule', form);
}

function conditionText(c) { return `${c[0]} ${c[1]} ${text(c[2])}`; }

function outputText(o) {
  const what = o.method === 'webhook' ? `webhook ${o.url}` : o.method === 'dataset' ? `dataset ${o.datasetId}` : o.method;
  return `${o.id}: ${what}${o.frequency ? `, at most every ${o.frequency} s per key` : ''}${o.disabled ? ` — disabled: ${o.disabled}` : ''}`;
}

export async function rulePage(view, { id }, scope) {
  const errors = errorArea();
  const summary = h('div');
  const actions = h('div', { class: 'actions' });
  const alerts = h('div');
  const deliveries = h('div');

  async function load() {
    const [rule] = await api.get(rulePath('info', id));
    fillFrom(summary, rule, () => facts([
      ['Dataset', link(`#/datasets/${encodeURIComponent(rule.datasetId)}`, rule.datasetId)],
      ['State', badge(rule.isActive ? 'active' : 'paused')],
      ['Version', rule.version],
      ['Facts', h('ul', { class: 'plain' }, rule.index.map((f, i) => h('li', null, h('code', null, `$index[${i}]`), ` ${f}`)))],
      [rule.type === 'any' ? 'Any of' : 'All of', h('ul', { class: 'plain' }, rule.conditions.map(c => h('li', null, h('code', null, conditionText(c)))))],
      ['Outputs', h('ul', { class: 'plain' }, rule.outputs.map(o => h('li', null, outputText(o))))],
      ...COUNTERS.map(([key, label]) => [label, count(rule[key])]),
      ['Last evaluated (UTC)', time(rule.evaluated)],
      ['Last error', rule.lastError ?? '—'],
    ]));
    fillFrom(actions, rule, () => [pauseButton(rule, errors, load), confirmButton('Delete rule', `Delete ${rule.name}?`, button => run(button, errors, async () => {
      await api.del(rulePath(id));
      announce(`Rule ${rule.name} has been deleted.`);
      go('/rules');
    }))]);
    return rule;
  }

  async function loadAlerts() {
    fillFrom(alerts, await api.get(url(['rules', 'output', id], { last: 100 })), entries => table([
      { label: 'Record date (UTC)', cell: a => time(a.date) },
      { label: 'Key', cell: a => a.subkey ? `${a.key} / ${a.subkey}` : a.key },
      { label: 'Facts', cell: a => Object.entries(a.facts).map(([f, v]) => `${f.split(':').pop()} = ${text(v)}`).join(', ') },
      { label: 'Record', cell: a => h('code', null, JSON.stringify(a.record)) },
      { label: 'Alert id', cell: a => h('code', null, a.alertId) },
    ], [...entries].reverse(), { caption: `${entries.length} alerts of the logs output, newest first`, empty: 'No alerts yet.' }));
  }

  async function loadDeliveries() {
    fillFrom(deliveries, await api.get(url(['rules', 'deliveries', id])), attempts => table([
      { label: 'Time (UTC)', cell: d => time(d.at) },
      { label: 'Output', cell: d => d.outputId },
      { label: 'Attempt', num: true, cell: d => d.attempt },
      { label: 'Status', cell: d => badge(d.status) },
      { label: 'HTTP', num: true, cell: d => d.httpStatus ?? '—' },
      { label: 'Error', cell: d => d.error ?? '—' },
      { label: 'Next attempt (UTC)', cell: d => time(d.nextAttemptAt) },
      { label: 'Actions', cell: d => {
        const again = h('button', { type: 'button', class: 'secondary' }, 'Redeliver');
        again.addEventListener('click', () => run(again, errors, async () => {
          await api.post(url(['rules', 'deliveries', d.deliveryId, 'redeliver']));
          announce('The alert is being sent again.');
          await loadDeliveries();
        }));
        return again;
      } },
    ], attempts, { caption: 'Webhook and dataset deliveries, newest first, with every attempt', empty: 'No deliveries: this rule has only a logs output, or has raised nothing yet.' }));
  }

  const rule = await load();
  view.append(heading(rule.name, `Rule ${rule.id}`), errors, summary, actions, section('Alerts', alerts), section('Deliveries', deliveries));
  await Promise.all([loadAlerts(), loadDeliveries()]);
  scope.every(2000, async () => { await load(); await loadAlerts(); await loadDeliveries(); });
}
