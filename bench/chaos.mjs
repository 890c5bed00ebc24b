// The crash test (`npm run chaos`): `workerd serve` with the Durable Objects' SQLite files on
// disk, a seeded mixed workload from many clients, SIGKILLs at random moments (each followed
// by a restart on the same state), then the auditor and the linearizability check
// (bench/chaos/). Prints the figures and every check; exits 1 if any check failed.
//   node bench/chaos.mjs [--seconds 300] [--kills 40] [--seed 1] [--clients 12] [--log FILE] [--json FILE]
import { writeFileSync } from "node:fs";
import { runChaos } from "./chaos/run.mjs";

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(option("seconds", 300));
const kills = Number(option("kills", 40));
const seed = Number(option("seed", 1));
const clients = Number(option("clients", 12));
const logFile = option("log", undefined);
const jsonFile = option("json", undefined);

const report = await runChaos({ seconds, kills, seed, clients, logFile, progress: (line) => console.log(`  ${line}`) });
console.log("\nfigures");
for (const [name, value] of Object.entries(report.figures)) console.log(`  ${name.padEnd(32)} ${value}`);
console.log("\nchecks");
for (const c of report.checks) {
  console.log(`  ${c.ok ? "ok  " : c.todo ? "TODO" : "FAIL"} ${c.name} (${c.checked} checked${c.ok ? "" : `, ${c.failed} failed`})`);
  if (!c.ok) for (const failure of c.failures) console.log(`         ${JSON.stringify(failure).slice(0, 1500)}`);
}
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ figures: report.figures, checks: report.checks }, null, 2));
console.log(report.ok ? "\nchaos: every check passed" : "\nchaos: FAILED");
process.exit(report.ok ? 0 : 1);
