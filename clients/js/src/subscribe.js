import { Client } from "./client.js";
import { ApperateError } from "./errors.js";

// Live subscriptions over server-sent events, read with fetch (Node ≥ 20 and browsers alike; an EventSource cannot
// send Last-Event-ID on its first request or report why it failed). A broken stream is resumed after the last event
// id received, so nothing is missed and nothing comes twice.

const MAX_BACKOFF_MS = 30_000;

/**
 * Follows a dataset: `onData(records, {id})` gets each message's array of records (the snapshot, a replay, then every
 * commit); `onError(error)` each failure (the subscription carries on unless the error is fatal: a 4xx answer).
 * Returns `{close()}`.
 * @param {object} options `{workspace, id, key?, symbols?, nosnapshot?, snapshotAsOf?, filter?, interval?, includeEvents?, lastEventId?, onData, onError?, onReset?, onOpen?}`
 */
Client.prototype.subscribe = function subscribe(options) {
  const { workspace, id, key, onData, onError, onReset, onOpen } = options ?? {};
  if (!workspace) throw new Error("Must provide 'workspace'");
  if (!id) throw new Error("Must provide 'id'");
  if (typeof onData !== "function") throw new Error("Must provide 'onData'");
  const path = ["sse", workspace, id, ...(key ? [key] : [])];
  const symbols = Array.isArray(options.symbols) ? options.symbols.join(",") : options.symbols;
  const filter = Array.isArray(options.filter) ? options.filter.join(",") : options.filter;
  const query = [["token", this._token], ["symbols", symbols], ["nosnapshot", options.nosnapshot], ["snapshotAsOf", options.snapshotAsOf],
    ["filter", filter], ["interval", options.interval], ["includeEvents", options.includeEvents]]
    .filter(([, value]) => value !== undefined && value !== null && value !== "");
  const url = this._url(path, query);
  const fetchImpl = this._fetch;
  const controller = new AbortController();
  let lastEventId = options.lastEventId === undefined ? undefined : String(options.lastEventId);
  let retry = 3_000;

  const run = async () => {
    let failures = 0;
    while (!controller.signal.aborted) {
      try {
        const headers = { Accept: "text/event-stream" };
        if (lastEventId !== undefined) headers["Last-Event-ID"] = lastEventId;
        const response = await fetchImpl(url, { headers, signal: controller.signal, cache: "no-store" });
        if (!response.ok) {
          const error = new ApperateError(response.status, await response.text());
          // A refusal (bad token, unknown dataset, bad parameter) will not change by trying again.
          if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
            report(onError, error);
            return;
          }
          throw error;
        }
        onOpen?.();
        await readEvents(response.body, controller.signal, (event) => {
          failures = 0;
          if (event.retry !== undefined) retry = event.retry;
          if (event.id !== undefined) lastEventId = event.id;
          if (event.type === "reset") {
            onReset?.(parse(event.data));
            return;
          }
          if (event.type !== "message") return; // heartbeats
          onData(parse(event.data), { id: event.id });
        });
        if (controller.signal.aborted) return;
        throw new Error("the stream ended");
      } catch (error) {
        if (controller.signal.aborted) return;
        report(onError, error);
        failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, retry * 2 ** Math.min(failures - 1, 4));
        await delay(backoff * (0.8 + Math.random() * 0.4), controller.signal);
      }
    }
  };
  run();
  return {
    close() {
      controller.abort();
    },
    /** The id of the last event received: a new subscription given it resumes from there. */
    get lastEventId() {
      return lastEventId;
    },
  };
};

function report(onError, error) {
  try {
    onError?.(error);
  } catch {
    // A throwing handler must not end the subscription.
  }
}

function parse(data) {
  return data === "" ? null : JSON.parse(data);
}

function delay(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Reads `text/event-stream` (the HTML standard's parsing rules) and calls `dispatch` for each event. */
async function readEvents(body, signal, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let data = [];
  let type = "";
  let id;
  let retry;
  const finish = () => {
    if (data.length > 0) dispatch({ type: type || "message", data: data.join("\n"), id, retry });
    else if (retry !== undefined) dispatch({ type: "retry", data: "", id, retry });
    data = [];
    type = "";
    retry = undefined;
  };
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(buffer[end] === "\r" && buffer[end + 1] === "\n" ? end + 2 : end + 1);
        if (line === "") {
          finish();
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") type = value;
        else if (field === "id" && !value.includes("\0")) id = value;
        else if (field === "retry" && /^\d+$/.test(value)) retry = Number(value);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
