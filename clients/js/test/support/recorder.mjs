// A loopback HTTP server that records every request (method, path with query, content type, body) and answers
// {"success":true}: what a client sends, compared without a service behind it.
import { createServer } from "node:http";

export async function startRecorder() {
  const requests = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ method: request.method, url: request.url, contentType: request.headers["content-type"] ?? null, body: Buffer.concat(chunks).toString("utf8") });
      response.setHeader("Content-Type", "application/json");
      response.end('{"success":true}');
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    /** Forgets what was recorded and returns it. */
    take() {
      return requests.splice(0, requests.length);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
