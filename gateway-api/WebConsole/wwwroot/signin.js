// Signing in: a token. The service names its workspace (GET /v1/token answers any valid token with its own
// workspace, type and permissions); a wrong token is the service's own 401.
import { api, url } from './api.js';
import { errorArea, field, h, heading, run } from './dom.js';
import { session } from './session.js';

export async function signInPage(view, signedIn) {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const errors = errorArea();
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card narrow', 'aria-label': 'Sign in' },
    field('Token', token, 'A secret token (sk_…) manages the workspace; a publishable token (pk_…) reads and writes the datasets it was given.'),
    errors,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', e => {
    e.preventDefault();
    run(submit, errors, async () => {
      const text = token.value.trim();
      const self = await api.get(url(['token']), { token: text });
      session.save(text, self.workspace);
      signedIn();
    });
  });
  view.append(heading('Sign in', 'The console calls the service\'s public HTTP API with your token; it is kept in this tab only.'), form);
  token.focus();
}
