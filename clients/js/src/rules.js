import { Rules } from "./client.js";

// The rules API (`/v1/rules…`). As Apperate's client did, calls that send a JSON body carry the token in it; the
// others carry it in the query string.

function post(rules, path, body) {
  const client = rules._client;
  return client._request({ method: "POST", path, body: JSON.stringify({ ...body, token: client._token }), contentType: "application/json" });
}

function get(rules, path, query = []) {
  const client = rules._client;
  return client._request({ method: "GET", path, query: [["token", client._token], ...query] });
}

function id(value, name = "ruleId") {
  if (value === undefined || value === null || value === "") throw new Error(`Must provide '${name}'`);
  return String(value);
}

const defined = (pairs) => pairs.filter(([, value]) => value !== undefined && value !== null);

Object.assign(Rules.prototype, {
  /** Creates a rule, or edits one when `rule.id` is given: `{ruleName, type, index, additionalIndex?, conditions, outputs, id?}`. */
  create(rule) {
    if (!rule || typeof rule !== "object") throw new Error("Must provide 'rule'");
    return post(this, ["rules", "create"], rule);
  },
  /** Every rule of the workspace with its counters. */
  list() {
    return get(this, ["rules"]);
  },
  /** One rule: its definition, state and counters. */
  info(ruleId) {
    return get(this, ["rules", "info", id(ruleId)]);
  },
  pause(ruleId) {
    id(ruleId);
    return post(this, ["rules", "pause"], { ruleId });
  },
  resume(ruleId) {
    id(ruleId);
    return post(this, ["rules", "resume"], { ruleId });
  },
  /** Deletes a rule (`DELETE /rules/:id`). */
  delete(ruleId) {
    const client = this._client;
    return client._request({ method: "DELETE", path: ["rules", id(ruleId)], query: [["token", client._token]] });
  },
  /** The entries of a rule's log output: `{from?, to?, limit?}`. */
  output(ruleId, { from, to, limit } = {}) {
    return get(this, ["rules", "output", id(ruleId)], defined([["from", from], ["to", to], ["limit", limit]]));
  },
  /** The facts and operators rules may use. */
  schema() {
    return get(this, ["rules", "schema"]);
  },
  /** The values a fact takes (`GET /rules/lookup/:fact`). */
  lookup(fact) {
    return get(this, ["rules", "lookup", id(fact, "fact")]);
  },
  /** Evaluates a rule on `rule.records` without storing or sending anything. */
  test(rule) {
    if (!rule || typeof rule !== "object") throw new Error("Must provide 'rule'");
    return post(this, ["rules", "test"], rule);
  },
  /** The deliveries of a rule's webhook and dataset outputs, with their attempts: `{limit?}`. */
  deliveries(ruleId, { limit } = {}) {
    return get(this, ["rules", "deliveries", id(ruleId)], defined([["limit", limit]]));
  },
  /** Sends one alert again now, with the same webhook-id. */
  redeliver(deliveryId) {
    const client = this._client;
    return client._request({ method: "POST", path: ["rules", "deliveries", id(deliveryId, "deliveryId"), "redeliver"], query: [["token", client._token]] });
  },
});
