// Hash routing (#/datasets/ID …): each route renders a page into a fresh element of <main>. A page gets a scope whose
// timers and subscriptions end when the user leaves it.
import { errorArea, h } from './dom.js';

function newScope() {
  const leaving = [];
  const scope = {
    alive: true,
    /** Calls fn every `ms` milliseconds (after the previous call finished) while the page is shown. */
    every(ms, fn) {
      let timer;
      const tick = async () => {
        try {
          await fn();
        } catch (error) {
          console.warn(error);
        }
        if (scope.alive) timer = setTimeout(tick, ms);
      };
      timer = setTimeout(tick, ms);
      leaving.push(() => clearTimeout(timer));
    },
    /** Runs fn when the page is left. */
    onLeave(fn) { leaving.push(fn); },
    leave() {
      scope.alive = false;
      for (const fn of leaving.splice(0)) fn();
    },
  };
  return scope;
}

/**
 * routes: [[pattern, page]] where pattern is like '/datasets/:id' and page(view, params, scope) renders into view.
 * `guard(path)` may return another path to go to instead (e.g. the sign-in page).
 */
export function startRouter(main, routes, { guard, fallback, onRoute }) {
  const compiled = routes.map(([pattern, page]) => {
    const names = [];
    const source = pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; });
    return { regex: new RegExp(`^${source}$`), names, page };
  });
  let scope = newScope();

  async function show() {
    const path = location.hash.startsWith('#/') ? location.hash.slice(1) : fallback;
    const redirect = guard(path);
    if (redirect && redirect !== path) { location.hash = `#${redirect}`; return; }
    const match = compiled.map(r => ({ r, m: r.regex.exec(path) })).find(x => x.m);
    if (!match) { location.hash = `#${fallback}`; return; }
    scope.leave();
    scope = newScope();
    const params = Object.fromEntries(match.r.names.map((name, i) => [name, decodeURIComponent(match.m[i + 1])]));
    const view = h('div', { class: 'view' });
    main.replaceChildren(view);
    onRoute(path);
    try {
      await match.r.page(view, params, scope);
    } catch (error) {
      const errors = errorArea();
      errors.show(error);
      view.append(errors);
    }
    const title = view.querySelector('h1')?.textContent;
    document.title = title ? `${title} · Apperate.Actors` : 'Apperate.Actors console';
  }

  window.addEventListener('hashchange', show);
  show();
  return { refresh: show };
}

/** Goes to a console page. */
export function go(path) { location.hash = `#${path}`; }
