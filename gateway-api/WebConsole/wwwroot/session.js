// The signed-in token and its workspace, kept for this browser tab only (sessionStorage).
const KEY = 'apperate.console.session';

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) ?? null;
  } catch {
    return null;
  }
}

export const session = {
  get signedIn() { return read() !== null; },
  get token() { return read()?.token ?? ''; },
  get workspace() { return read()?.workspace ?? ''; },
  save(token, workspace) { sessionStorage.setItem(KEY, JSON.stringify({ token, workspace })); },
  clear() { sessionStorage.removeItem(KEY); },
};
