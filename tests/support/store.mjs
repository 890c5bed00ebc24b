// The demo store for end-to-end tests: `wrangler dev` with a freshly seeded catalog, Debian's
// headless Chromium, and a merchant client of the API.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { root } from "./edge.mjs";
import { launchChromium } from "./browser.mjs";
import { devToken, startWrangler } from "./wrangler.mjs";

export async function startDemoStore() {
  const edge = await startWrangler();
  const token = devToken();
  execFileSync(process.execPath, [path.join(root, "scripts/seed.mjs"), edge.url, token], { stdio: "ignore" });
  const browser = await launchChromium();
  /** A merchant call: the status and the parsed JSON. */
  const api = (url, init = {}) =>
    fetch(`${edge.url}${url}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) },
    }).then(async (response) => ({ status: response.status, json: await response.json() }));
  return {
    url: edge.url,
    browser,
    api,
    async stop() {
      await browser.close();
      await edge.stop();
    },
  };
}
