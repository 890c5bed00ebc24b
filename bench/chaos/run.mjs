// One chaos run: workerd on a state folder on disk, the products, `clients` concurrent
// clients (bench/chaos/workload.mjs) for `seconds`, `kills` SIGKILLs of workerd at random
// moments (each followed by a restart on the same state), then the auditor
// (bench/chaos/audit.mjs) and the linearizability check. Returns the report; throws nothing
// for a failed check — the report says which.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TOKEN } from "../../tests/support/edge.mjs";
import { audit } from "./audit.mjs";
import { httpClient } from "./http.mjs";
import { rng as makeRng } from "./prng.mjs";
import { startKillable } from "./server.mjs";
import { PRODUCTS, runClient } from "./workload.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Options: seconds, kills, seed, clients, logFile (JSON lines of every attempt, written when
 * given), keepState (leave the state folder), progress (a function for one-line notes).
 */
export async function runChaos({ seconds = 30, kills = 12, seed = 1, clients = 12, logFile, keepState = false, progress = () => {} } = {}) {
  const started = performance.now();
  const rng = makeRng(seed);
  const run = `s${seed}`;
  const stateDir = mkdtempSync(path.join(tmpdir(), "backorder-chaos-state-"));
  const server = await startKillable({ stateDir, token: TOKEN });
  const { send, close } = httpClient(server.url, { token: TOKEN });
  const record = { ops: [], log: [] };
  try {
    for (const [sku, fields] of Object.entries(PRODUCTS)) {
      const reply = await send("PUT", `/v1/skus/${sku}`, { body: fields, merchant: true });
      if (reply.status !== 201) throw new Error(`chaos: PUT ${sku}: ${reply.status} ${reply.text ?? reply.error}`);
    }
    const begin = performance.now();
    const end = begin + seconds * 1000;
    // Kill moments: one in each of `kills` equal slices of the run (after the first second and
    // before the last), at a random point of its slice.
    const span = Math.max(0, seconds * 1000 - 2000);
    const moments = Array.from({ length: kills }, (_, i) => begin + 1000 + (span * (i + rng.next())) / kills);
    const killer = (async () => {
      const downtimes = [];
      for (const moment of moments) {
        const wait = moment - performance.now();
        if (wait > 0) await sleep(wait);
        await server.kill();
        const down = performance.now();
        await sleep(rng.int(0, 150));
        await server.restart();
        downtimes.push(performance.now() - down);
        progress(`kill ${downtimes.length}/${kills} at ${((down - begin) / 1000).toFixed(1)} s, back after ${(performance.now() - down).toFixed(0)} ms`);
      }
      return downtimes;
    })();
    const clientResults = await Promise.all(
      Array.from({ length: clients }, (_, index) =>
        runClient({ index, run, rng: rng.fork(index), send, deadline: () => performance.now() >= end, record })),
    );
    const downtimes = await killer;
    const workloadMs = performance.now() - begin;
    progress(`workload done: ${record.ops.length} operations, ${record.log.length} requests; auditing`);
    if (logFile) writeFileSync(logFile, record.log.map((entry) => JSON.stringify(entry)).join("\n") + "\n");
    const report = await audit({ send, ops: record.ops, clientResults, products: PRODUCTS, progress });
    const attempts = record.log.length;
    const lost = record.log.filter((e) => e.error !== null).length;
    const serverErrors = record.log.filter((e) => e.status >= 500).length;
    report.figures = {
      seed,
      seconds,
      clients,
      kills: server.kills.length,
      restarts: server.starts.length - 1,
      restart_ms_mean: downtimes.length ? Math.round(downtimes.reduce((a, b) => a + b, 0) / downtimes.length) : 0,
      restart_ms_max: downtimes.length ? Math.round(Math.max(...downtimes)) : 0,
      requests: attempts,
      requests_without_answer: lost,
      answers_5xx: serverErrors,
      operations: record.ops.length,
      workload_s: +(workloadMs / 1000).toFixed(1),
      total_s: +((performance.now() - started) / 1000).toFixed(1),
      ...report.figures,
    };
    return report;
  } finally {
    close();
    await server.stop();
    if (!keepState) rmSync(stateDir, { recursive: true, force: true });
  }
}
