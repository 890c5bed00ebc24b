// The chaos workload's HTTP client: one request, its send and receive times (performance.now(),
// ms), and the reply's exact body text — or the error that stood for the reply (the server was
// killed mid-request, refused the connection while down, or did not answer in time).
import http from "node:http";

const TIMEOUT_MS = 15_000;

/** A client of `base` (http://127.0.0.1:port) with keep-alive connections. */
export function httpClient(base, { token } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(base);
  /**
   * `send(method, path, { body, key, merchant })` → `{ sent, received, status, text }` or
   * `{ sent, received, error }`. Never throws.
   */
  const send = (method, path, { body, key, merchant = false } = {}) =>
    new Promise((resolve) => {
      const headers = {};
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      if (payload !== undefined) headers["content-type"] = "application/json";
      if (merchant) headers.authorization = `Bearer ${token}`;
      if (key) headers["idempotency-key"] = key;
      const sent = performance.now();
      let settled = false;
      const finish = (result) => {
        if (settled) return;
        settled = true;
        resolve({ sent, received: performance.now(), ...result });
      };
      const request = http.request(
        { host: url.hostname, port: url.port, method, path, headers, agent, timeout: TIMEOUT_MS },
        (response) => {
          const chunks = [];
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("end", () => finish({ status: response.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
          response.on("error", (error) => finish({ error: error.code ?? error.message }));
          response.on("aborted", () => finish({ error: "ABORTED" }));
        },
      );
      request.on("timeout", () => {
        request.destroy(new Error("TIMEOUT"));
      });
      request.on("error", (error) => finish({ error: error.code ?? error.message }));
      request.end(payload);
    });
  return { send, close: () => agent.destroy() };
}

/** The JSON of a reply's text, or undefined. */
export function parse(text) {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
