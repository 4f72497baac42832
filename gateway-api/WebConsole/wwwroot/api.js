// The public HTTP API (/v1), called with the session's token as a Bearer token. Failures become ApiError carrying the
// service's problem details (detail and the errors naming each field at fault) so pages can show them verbatim.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The service answered ${status}.`);
    this.status = status;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

let unauthorized = () => {};

/** Called when a signed-in call is refused with 401 (the token was revoked). */
export function onUnauthorized(handler) { unauthorized = handler; }

/** '/v1/<segments…>?<query>' with each segment escaped; query values that are null or undefined are left out. */
export function url(segments, query = {}) {
  const path = '/v1/' + segments.map(s => encodeURIComponent(s)).join('/');
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(name, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The same path for EventSource, which cannot send headers: the token goes in the query. */
export function withToken(path) {
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(session.token)}`;
}

function answer(status, contentType, text, token) {
  let body = text;
  if (text && contentType && contentType.includes('json')) {
    try { body = JSON.parse(text); } catch { body = text; }
  }
  if (status >= 200 && status < 300) return body;
  if (status === 401 && token === session.token && session.signedIn) unauthorized();
  throw new ApiError(status, typeof body === 'object' && body !== null ? body : { detail: text || undefined });
}

async function call(method, path, body, { token = session.token } = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, { detail: `The service cannot be reached: ${error.message}` });
  }
  return answer(response.status, response.headers.get('Content-Type'), await response.text(), token);
}

export const api = {
  get: (path, options) => call('GET', path, undefined, options),
  post: (path, body, options) => call('POST', path, body ?? {}, options),
  put: (path, body, options) => call('PUT', path, body ?? {}, options),
  del: (path, options) => call('DELETE', path, undefined, options),

  /**
   * POSTs a file (a batch load) with XMLHttpRequest, whose upload events report progress: onProgress(sentBytes, totalBytes).
   * Resolves with the JSON answer.
   */
  upload(path, file, contentType, onProgress) {
    return new Promise((resolve, reject) => {
      const token = session.token;
      const request = new XMLHttpRequest();
      request.open('POST', path);
      request.setRequestHeader('Authorization', `Bearer ${token}`);
      if (contentType) request.setRequestHeader('Content-Type', contentType);
      request.upload.addEventListener('progress', e => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
      request.addEventListener('load', () => {
        try {
          resolve(answer(request.status, request.getResponseHeader('Content-Type'), request.responseText, token));
        } catch (error) {
          reject(error);
        }
      });
      request.addEventListener('error', () => reject(new ApiError(0, { detail: 'The upload failed: the connection was lost.' })));
      request.addEventListener('abort', () => reject(new ApiError(0, { detail: 'The upload was canceled.' })));
      request.send(file);
    });
  },
};
