// A closed-loop HTTP/1.1 load client: `clients` keep-alive connections, each sending its next
// request as soon as the previous answer is complete, for `seconds`. Every request's latency
// is recorded (no sampling), so the result can be checked against Little's law: with every
// connection always busy, mean latency × throughput = clients. The check is printed, because
// a client whose numbers break it is measuring itself, not the server. A connection the server
// closes mid-request (or leaves unanswered for 10 s) is counted as dropped and replaced.
import net from "node:net";

const TIMEOUT_MS = 10_000;

/**
 * @param {{ port: number, clients: number, seconds: number,
 *           request: (n: number) => { method: string, path: string, headers?: object, body?: string } }} options
 * @returns {Promise<{ rate: number, p50: number, p99: number, mean: number,
 *                     statuses: Map<number, number>, dropped: number, busy: number }>}
 */
export async function closedLoop({ port, clients, seconds, request }) {
  const latencies = [];
  const statuses = new Map();
  let issued = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;

  const encode = (n) => {
    const { method, path, headers = {}, body = "" } = request(n);
    const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body || method !== "GET") lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    return `${lines.join("\r\n")}\r\n\r\n${body}`;
  };

  let dropped = 0;
  /** One client's connection; resolves when the run is over, or false when it was dropped. */
  const connection = () =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.setNoDelay(true);
      let pending = Buffer.alloc(0);
      let sentAt = 0;
      let waiting = false;
      const next = () => {
        if (performance.now() >= deadline) {
          socket.end();
          return resolve(true);
        }
        sentAt = performance.now();
        waiting = true;
        socket.write(encode(issued++));
        socket.setTimeout(TIMEOUT_MS);
      };
      const drop = () => {
        if (!waiting) return;
        waiting = false;
        dropped++;
        // Its latency is at least the wait so far: kept, so p99 and Little's law see it.
        latencies.push(performance.now() - sentAt);
        socket.destroy();
        resolve(false);
      };
      socket.on("connect", next);
      socket.on("error", (error) => (waiting ? drop() : reject(error)));
      socket.on("close", drop);
      socket.on("timeout", drop);
      socket.on("data", (chunk) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          const headEnd = pending.indexOf("\r\n\r\n");
          if (headEnd < 0) return;
          const head = pending.subarray(0, headEnd).toString("latin1");
          const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
          if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
            return reject(new Error("closedLoop: chunked responses are not supported"));
          }
          if (pending.length < headEnd + 4 + length) return;
          pending = pending.subarray(headEnd + 4 + length);
          waiting = false;
          latencies.push(performance.now() - sentAt);
          const status = Number(head.slice(9, 12));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          next();
        }
      });
    });
  /** A client: a connection, and a new one whenever the server drops it mid-request. */
  const client = async () => {
    while (!(await connection()));
  };

  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))];
  const mean = latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length;
  const answered = latencies.length - dropped;
  return {
    /** Answered requests per second. */
    rate: answered / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    mean,
    statuses,
    // Requests whose connection the server closed, or that got no answer within the timeout
    // (in the latencies with their wait until then; perhaps applied).
    dropped,
    // Little's law: the average number of requests outstanding; ≈ clients when the client
    // itself never stalls between an answer and the next request.
    busy: ((latencies.length / elapsed) * mean) / 1000,
  };
}
