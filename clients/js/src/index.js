import "./calls.js";
import "./rules.js";
import "./subscribe.js";

export { Client, Apperate, Rules } from "./client.js";
export { ApperateError } from "./errors.js";
export { CALLS, QUERY_DATA_PARAMETERS } from "./calls.js";
