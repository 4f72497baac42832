// Tokens: the list (without their text), creating a secret or publishable token (its text is shown once) and revoking.
import { api, url } from './api.js';
import { announce, checkbox, confirmButton, errorArea, field, fill, h, heading, run, section, select, table, time, uid } from './dom.js';
import { session } from './session.js';

const RIGHTS = ['read', 'write', 'delete'];

function permissionsText(permissions) {
  const entries = Object.entries(permissions ?? {});
  return entries.length ? entries.map(([dataset, rights]) => `${dataset}: ${rights.join(', ')}`).join('; ') : '—';
}

export async function tokensPage(view, params, scope) {
  const ws = session.workspace;
  const list = h('div');
  const errors = errorArea();

  async function load() {
    const tokens = await api.get(url(['tokens', ws]));
    fill(list, table([
      { label: 'Token id', cell: t => t.tokenId },
      { label: 'Name', cell: t => t.name ?? '—' },
      { label: 'Type', cell: t => t.type },
      { label: 'Permissions', cell: t => (t.type === 'secret' ? 'everything in the workspace' : permissionsText(t.permissions)) },
      { label: 'Created (UTC)', cell: t => time(t.created) },
      { label: 'Actions', cell: t => confirmButton('Revoke', `Revoke ${t.name ?? t.tokenId} now?`, button => run(button, errors, async () => {
        const answer = await api.del(url(['tokens', ws, t.tokenId]));
        announce(answer.message);
        await load();
      })) },
    ], tokens, { caption: `${tokens.length} tokens of ${ws}` }));
  }

  view.append(heading('Tokens', 'Token texts are stored hashed: a token is shown once, when it is created.'), errors, section('All tokens', list), createForm(load));
  await load();
}

function permissionRow(rows) {
  const n = rows.children.length + 1;
  const dataset = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', name: 'permission-dataset' });
  const rights = RIGHTS.map(r => h('input', { type: 'checkbox', value: r, checked: r === 'read' }));
  const row = h('li', { class: 'permission-row' },
    field(`Dataset ${n} (or *)`, dataset),
    h('div', { class: 'rights', role: 'group', 'aria-label': `Rights on dataset ${n}` }, rights.map((box, i) => checkbox(RIGHTS[i], box))));
  rows.append(row);
  return row;
}

function createForm(reload) {
  const type = select([['publishable', 'publishable (pk_…): the rights below'], ['secret', 'secret (sk_…): everything in the workspace']], { name: 'type' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const rows = h('ol', { class: 'permission-rows' });
  permissionRow(rows);
  const add = h('button', { type: 'button', class: 'secondary' }, 'Add a dataset');
  add.addEventListener('click', () => permissionRow(rows).querySelector('input').focus());
  const permissions = h('fieldset', null, h('legend', null, 'Permissions'), rows, add);
  type.addEventListener('change', () => { permissions.hidden = type.value === 'secret'; });
  const errors = errorArea();
  const created = h('div', { class: 'created', hidden: true, 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Create token');

  const form = h('form', { class: 'card' },
    h('div', { class: 'grid' }, field('Type', type), field('Name', name, 'Optional: what the token is for.')),
    permissions, errors, created, h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      const body = { type: type.value };
      if (name.value.trim()) body.name = name.value.trim();
      if (type.value === 'publishable') {
        body.permissions = {};
        for (const row of rows.children) {
          const dataset = row.querySelector('input[type=text]').value.trim();
          if (dataset) body.permissions[dataset] = [...row.querySelectorAll('input[type=checkbox]:checked')].map(b => b.value);
        }
      }
      const answer = await api.post(url(['tokens', session.workspace]), body);
      const textId = uid('token');
      const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
      copy.addEventListener('click', async () => {
        try { await navigator.clipboard.writeText(answer.token); announce('The token has been copied.'); } catch { announce('Copying is not allowed here: select the text instead.'); }
      });
      fill(created, h('p', null, `Token ${answer.tokenId} has been created. Keep its text now: it is not shown again.`),
        h('p', null, h('code', { id: textId, class: 'token-text' }, answer.token), ' ', copy));
      created.hidden = false;
      await reload();
    });
  });
  return section('Create a token', form);
}
