import { ApperateError } from "./errors.js";

const DEFAULT_BASE_URL = "http://127.0.0.1:5000";

/**
 * A client of one service. `baseUrl` is the service's origin (Apperate's client had IEX Cloud's fixed); every call
 * goes to `<baseUrl>/<version>/…` with the token in the query string (or, for the rules API, in the JSON body), as
 * Apperate's client sent it.
 */
export class Client {
  /**
   * @param {object} [options]
   * @param {string} [options.api_token] a secret or publishable token; defaults to `APPERATE_TOKEN` (or `IEX_TOKEN`) in the environment
   * @param {string} [options.version] the API version path segment (`v1`)
   * @param {string} [options.baseUrl] the service's origin; defaults to the page's origin in a browser, else http://127.0.0.1:5000
   * @param {typeof fetch} [options.fetch] the fetch to use (defaults to the global one)
   */
  constructor(options = {}) {
    const env = globalThis.process?.env ?? {};
    const token = options.api_token ?? env.APPERATE_TOKEN ?? env.IEX_TOKEN ?? "";
    if (!token) throw new Error("API Token missing or not in environment (APPERATE_TOKEN)");
    const version = options.version ?? "v1";
    if (!/^[A-Za-z0-9_-]+$/.test(version)) throw new Error(`Unrecognized api version: ${version}`);
    const base = options.baseUrl ?? globalThis.location?.origin ?? DEFAULT_BASE_URL;
    this._token = token;
    this._version = version;
    this.baseUrl = String(base).replace(/\/+$/, "");
    this._fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.apperate = new Apperate(this);
    this.rules = new Rules(this);
  }

  /** The URL of the `path` segments (each encoded as a path segment) with `query` (name/value pairs, in order). */
  _url(path, query = []) {
    const url = new URL(`${this.baseUrl}/${this._version}/${path.map(segment).join("/")}`);
    for (const [name, value] of query) url.searchParams.append(name, String(value));
    return url;
  }

  /**
   * One call: a non-2xx answer throws {@link ApperateError}; a JSON answer is parsed (an empty body is null), `format`
   * other than json returns the text.
   */
  async _request({ method, path, query, body, contentType, format = "json", signal }) {
    const headers = {};
    if (contentType) headers["Content-Type"] = contentType;
    const init = { method, body, headers, signal };
    // A streamed body (a large file to load) needs half duplex in fetch.
    if (body && typeof body.getReader === "function") init.duplex = "half";
    const response = await this._fetch(this._url(path, query), init);
    const text = await response.text();
    if (!response.ok) throw new ApperateError(response.status, text);
    if (format !== "json") return text;
    return text.length === 0 ? null : JSON.parse(text);
  }
}

/** A path segment: encoded where it must be, while `,` (the batch separator) and the other sub-delimiters stay as written. */
function segment(value) {
  return encodeURIComponent(String(value)).replace(/%(2C|3A|40|21|24|26|27|28|29|2A|2B|3B|3D)/gi, (escape) => decodeURIComponent(escape));
}

/** The methods of Apperate's `client.apperate` namespace; filled in by calls.js. */
export class Apperate {
  constructor(client) {
    Object.defineProperty(this, "_client", { value: client });
  }
}

/** The rules API (`client.rules`); filled in by rules.js. */
export class Rules {
  constructor(client) {
    Object.defineProperty(this, "_client", { value: client });
  }
}
