// HTTP/1.1 load clients over raw keep-alive sockets. A closed-loop client: `clients` keep-alive connections, each sending its next
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

  const encode = (n) => encodeRequest(request(n));

  let dropped = 0;
  /** One client's connection; resolves when the run is over, or false when it was dropped. */
  const connection = () =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.setNoDelay(true);
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
      const responses = responseReader(
        (status) => {
          waiting = false;
          latencies.push(performance.now() - sentAt);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          next();
        },
        reject,
      );
      socket.on("data", responses);
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

/** A request as HTTP/1.1 text. */
function encodeRequest({ method, path, headers = {}, body = "" }) {
  const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body || method !== "GET") lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Splits a socket's bytes into responses (Content-Length framed), calling `answered(status)`. */
function responseReader(answered, fail) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      const headEnd = pending.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = pending.subarray(0, headEnd).toString("latin1");
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        return fail(new Error("load client: chunked responses are not supported"));
      }
      if (pending.length < headEnd + 4 + length) return;
      pending = pending.subarray(headEnd + 4 + length);
      answered(Number(head.slice(9, 12)));
    }
  };
}

/**
 * An open-loop client: requests arrive as a Poisson process of `rate` per second for
 * `seconds`, whatever the server does, each on an idle keep-alive connection (a new one when
 * none is idle). Latency counts from each request's intended arrival, not from when it could
 * be sent, so a stall of the server — or of this client — shows in the tail instead of
 * silently lowering the offered load (coordinated omission).
 * @returns {Promise<{ offered: number, rate: number, p50: number, p99: number, p999: number,
 *                     max: number, statuses: Map<number, number>, dropped: number, connections: number }>}
 */
export async function openLoop({ port, rate, seconds, request }) {
  const latencies = [];
  const statuses = new Map();
  const idle = [];
  let connections = 0;
  let dropped = 0;
  let outstanding = 0;
  let allSent = false;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const settle = () => {
    outstanding--;
    if (allSent && outstanding === 0) finish();
  };
  /** Sends request `n`, intended at `intended` (performance.now() time). */
  const send = (n, intended) => {
    outstanding++;
    const text = encodeRequest(request(n));
    let socket = idle.pop();
    if (!socket) {
      connections++;
      socket = net.connect(port, "127.0.0.1");
      socket.setNoDelay(true);
      socket.on("data", responseReader(
        (status) => {
          const { intended: at } = socket.inFlight;
          socket.inFlight = null;
          latencies.push(performance.now() - at);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          idle.push(socket);
          settle();
        },
        (error) => { throw error; },
      ));
      const lost = () => {
        const waiting = idle.indexOf(socket);
        if (waiting >= 0) idle.splice(waiting, 1);
        if (!socket.inFlight) return;
        latencies.push(performance.now() - socket.inFlight.intended);
        socket.inFlight = null;
        dropped++;
        settle();
      };
      socket.on("error", lost);
      socket.on("close", lost);
      socket.setTimeout(TIMEOUT_MS, () => { lost(); socket.destroy(); });
    }
    socket.inFlight = { intended };
    socket.write(text);
  };
  const started = performance.now();
  const end = started + seconds * 1000;
  let n = 0;
  let next = started;
  for (;;) {
    next += (-Math.log(1 - Math.random()) / rate) * 1000;
    if (next >= end) break;
    const wait = next - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    send(n++, next);
  }
  allSent = true;
  if (outstanding > 0) await finished;
  for (const socket of idle) socket.end();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))];
  return {
    offered: n / seconds,
    rate: (latencies.length - dropped) / seconds,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: latencies[latencies.length - 1],
    statuses,
    dropped,
    connections,
  };
}
