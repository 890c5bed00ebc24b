// Runs `wrangler dev` — workerd with the worker and the static www/ files, exactly as
// `npm run dev` serves them — on a free port with state in a temporary folder.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { freePort, root, tempState } from "./edge.mjs";

/** The merchant token the bootstrap wrote to .dev.vars. */
export function devToken() {
  const vars = readFileSync(path.join(root, ".dev.vars"), "utf8");
  return vars.match(/^MERCHANT_TOKEN=(.*)$/m)[1].trim();
}

export async function startWrangler() {
  const port = await freePort();
  const inspector = await freePort();
  const child = spawn(
    process.execPath,
    [
      "node_modules/wrangler/bin/wrangler.js", "dev", "--local", "--ip", "127.0.0.1", "--port", String(port),
      "--inspector-port", String(inspector), "--persist-to", tempState("wrangler"), "--log-level", "error",
    ],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const stop = () => child.kill("SIGTERM");
  process.on("exit", stop);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/favicon.svg`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600 || child.exitCode !== null) throw new Error("wrangler dev did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      process.off("exit", stop);
      stop();
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
    },
  };
}
