// Signing in: a token, and the workspace it belongs to. A secret token tells its workspace (GET /v1/rules/schema
// names it); a publishable token cannot, so its workspace is asked for.
import { api, ApiError, url } from './api.js';
import { errorArea, field, h, heading, run } from './dom.js';
import { session } from './session.js';

async function workspaceOf(token) {
  try {
    const schema = await api.get(url(['rules', 'schema']), { token });
    return schema.schema.workspaces[0].workspace;
  } catch (error) {
    if (error.status === 403) throw new ApiError(403, { detail: 'This token does not name its workspace (it is a publishable token): enter the workspace too.' });
    throw error;
  }
}

export async function signInPage(view, signedIn) {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const workspace = h('input', { type: 'text', name: 'workspace', autocomplete: 'off', pattern: '[A-Za-z0-9_]{1,64}', spellcheck: 'false' });
  const errors = errorArea();
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card narrow', 'aria-label': 'Sign in' },
    field('Token', token, 'A secret token (sk_…) manages the workspace; a publishable token (pk_…) reads and writes the datasets it was given.'),
    field('Workspace', workspace, 'Leave empty to use the secret token\'s workspace.'),
    errors,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      const text = token.value.trim();
      const ws = workspace.value.trim() || await workspaceOf(text);
      // Any call the token may make in that workspace proves it: the dataset list needs only a workspace token.
      await api.get(url(['datasets', ws], { limit: 1 }), { token: text });
      session.save(text, ws);
      signedIn();
    });
  });
  view.append(heading('Sign in', 'The console calls the service\'s public HTTP API with your token; it is kept in this tab only.'), form);
  token.focus();
}
