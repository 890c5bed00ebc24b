// `workerd serve` that can be SIGKILLed and started again on the same state. The first start is
// bench/workerd.mjs's `startWorkerd` (its config: the built worker, the Durable Objects in their
// own isolate, SQLite files in `stateDir` on disk); later starts run the same binary with the
// same arguments in the same folder — the same config.capnp, so the same port and state.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { startWorkerd } from "../workerd.mjs";

/** Pids of this process's children that run workerd. */
function workerdChildren() {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1].split(" ");
      if (Number(fields[1]) !== process.pid || fields[0] === "Z") continue;
      if (readlinkSync(`/proc/${name}/exe`).endsWith("/workerd")) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Whether `pid` is still running (a zombie counts as gone: its memory and sockets are). */
function alive(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] !== "Z";
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts workerd on `stateDir`. Returns `{ url, pid, kill(), restart(), stop(), starts }`:
 * `kill()` SIGKILLs the running process and waits until it is gone; `restart()` starts it
 * again and resolves once it answers; both record their times in `starts` / `kills`.
 */
export async function startKillable({ stateDir, token, ready = "/v1/ready-check" }) {
  const before = new Set(workerdChildren());
  const first = await startWorkerd({ stateDir, token });
  const [pid] = workerdChildren().filter((p) => !before.has(p));
  if (!pid) throw new Error("chaos: cannot find the workerd child process");
  const dir = readlinkSync(`/proc/${pid}/cwd`);
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  const [binary, ...args] = [readlinkSync(`/proc/${pid}/exe`), ...argv.slice(1)];
  let current = { pid, child: null };
  const kills = [];
  const starts = [{ at: performance.now(), ms: first.startedMs }];
  const killOnExit = () => {
    try {
      process.kill(current.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.on("exit", killOnExit);
  // Interrupted (^C, a test runner's timeout): take workerd along rather than orphan it.
  const onSignal = (signal) => {
    killOnExit();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const server = {
    url: first.url,
    get pid() {
      return current.pid;
    },
    kills,
    starts,
    running: true,
    async kill() {
      const { pid: victim } = current;
      process.kill(victim, "SIGKILL");
      server.running = false;
      kills.push(performance.now());
      while (alive(victim)) await sleep(2);
    },
    async restart() {
      const spawned = performance.now();
      const child = spawn(binary, args, { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
      current = { pid: child.pid, child };
      for (let i = 0; ; i++) {
        try {
          await fetch(`${first.url}${ready}`);
          break;
        } catch (error) {
          if (i > 5_000 || child.exitCode !== null) throw new Error(`workerd did not restart: ${error}`);
          await sleep(2);
        }
      }
      server.running = true;
      starts.push({ at: spawned, ms: performance.now() - spawned });
    },
    async stop() {
      process.off("exit", killOnExit);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (current.child) {
        const { child } = current;
        if (child.exitCode === null) {
          child.kill("SIGTERM");
          await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
        }
        rmSync(dir, { recursive: true, force: true });
      } else {
        await first.stop();
      }
    },
  };
  return server;
}
