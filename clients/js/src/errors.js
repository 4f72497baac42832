/**
 * A call the service answered with a status other than 2xx. The message is Apperate's client's
 * (`Response <status> - <body>`); the status, the body and the parsed problem details are kept too.
 */
export class ApperateError extends Error {
  constructor(status, body) {
    super(`Response ${status} - ${body}`);
    this.name = "ApperateError";
    /** The HTTP status. */
    this.status = status;
    /** The response body as text. */
    this.body = body;
    /** The problem details (`{type, title, status, detail, errors}`) when the body is JSON, else undefined. */
    this.problem = parseJson(body);
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
