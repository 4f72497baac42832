// The console's entry point: the routes, the navigation and signing out.
import { onUnauthorized } from './api.js';
import { announce } from './dom.js';
import { go, startRouter } from './router.js';
import { session } from './session.js';
import { connectorPage, connectorsPage } from './connectors.js';
import { datasetPage } from './dataset.js';
import { datasetsPage } from './datasets.js';
import { jobPage, jobsPage } from './jobs.js';
import { logsPage } from './logs.js';
import { rulePage, rulesPage } from './rules.js';
import { signInPage } from './signin.js';
import { tokensPage } from './tokens.js';
import { viewPage, viewsPage } from './views.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

function showSession() {
  nav.hidden = who.hidden = !session.signedIn;
  document.getElementById('workspace').textContent = session.workspace;
}

function signOut(message) {
  session.clear();
  showSession();
  announce(message);
  go('/signin');
}

document.getElementById('sign-out').addEventListener('click', () => signOut('Signed out.'));
onUnauthorized(() => signOut('The token is no longer valid: sign in again.'));

startRouter(main, [
  ['/signin', (view, params, scope) => signInPage(view, () => { showSession(); go('/datasets'); })],
  ['/datasets', datasetsPage],
  ['/datasets/:id', datasetPage],
  ['/jobs', jobsPage],
  ['/jobs/:id', jobPage],
  ['/connectors', connectorsPage],
  ['/connectors/:name', connectorPage],
  ['/rules', rulesPage],
  ['/rules/:id', rulePage],
  ['/views', viewsPage],
  ['/views/:id', viewPage],
  ['/tokens', tokensPage],
  ['/logs', logsPage],
], {
  fallback: '/datasets',
  guard: path => (session.signedIn ? (path === '/signin' ? '/datasets' : null) : '/signin'),
  onRoute: path => {
    showSession();
    const section = path.split('/')[1];
    for (const a of nav.querySelectorAll('a')) {
      if (a.dataset.section === section) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    main.focus({ preventScroll: true });
  },
});
