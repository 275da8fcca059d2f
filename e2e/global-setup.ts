// Starts the whole demo stack (mock-okta, session-hook, demo-backend and
// spa-host) through the `stack` binary that `just demo` runs, on the test
// ports, and returns the teardown that stops it.
//
// The binaries and the app must be built first; `just test` does that.

import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { ports, repoRoot, spaUrl } from "./support/stack";

/** Printed by `stack` once every service is ready. */
const READY_LINE = "Press Ctrl-C to stop.";
/** Upper bound for the whole start-up; `stack` gives each service 30 s. */
const START_TIMEOUT_MS = 150_000;
/** Upper bound for a clean stop; `stack` gives each service 5 s of grace. */
const STOP_TIMEOUT_MS = 30_000;

// Where cargo put the debug binaries; a relative CARGO_TARGET_DIR is taken
// from the repository root, where `just` runs cargo.
const binDir = path.join(path.resolve(repoRoot, process.env.CARGO_TARGET_DIR ?? "target"), "debug");
const spaDist = path.join(repoRoot, "frontend", "dist");
const logPath = path.join(__dirname, "test-results", "stack.log");

const REQUIRED_FILES = [
  ...["stack", "mock-okta", "session-hook", "demo-backend", "spa-host"].map(
    (binary) => path.join(binDir, binary),
  ),
  path.join(spaDist, "index.html"),
];

export default async function globalSetup(): Promise<() => Promise<void>> {
  const missing = REQUIRED_FILES.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(", ")}; build them with frontend/build.sh and ` +
        "cargo build --locked -p mock-okta -p session-hook -p demo-backend -p spa-host -p demo-stack " +
        "(or run `just test`, which does both)",
    );
  }

  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const log = fs.createWriteStream(logPath);
  const args = [
    "--mock-okta-port", String(ports.mockOkta),
    "--hook-port", String(ports.hook),
    "--backend-port", String(ports.backend),
    "--spa-port", String(ports.spa),
    "--bin-dir", binDir,
    "--spa-dist", spaDist,
  ];
  const stack = spawn(path.join(binDir, "stack"), args, {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = exitOf(stack);

  let output = "";
  const ready = new Promise<void>((resolve) => {
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      if (output.includes(READY_LINE)) {
        return;
      }
      output += chunk.toString("utf8");
      if (output.includes(READY_LINE)) {
        resolve();
      }
    };
    stack.stdout?.on("data", collect);
    stack.stderr?.on("data", collect);
  });

  const started = await Promise.race([
    ready.then(() => "ready" as const),
    exited.then((code) => `exited with ${code}` as const),
    delay(START_TIMEOUT_MS).then(() => "timed out" as const),
  ]);
  if (started !== "ready") {
    stack.kill("SIGINT");
    throw new Error(
      `the demo stack did not become ready (${started}); its output is in ${logPath}:\n${tail(output)}`,
    );
  }
  if (!new RegExp(`^\\s*spa\\s+${spaUrl}$`, "m").test(output)) {
    stack.kill("SIGINT");
    throw new Error(
      `the demo stack started without the single-page app on ${spaUrl}; run frontend/build.sh. Output:\n${tail(output)}`,
    );
  }
  console.log(`e2e: demo stack ready on ports ${ports.mockOkta}-${ports.spa} (log: ${logPath})`);

  return async () => {
    await stopStack(stack, exited);
    log.end();
  };
}

/** Stops the stack with SIGINT, as Ctrl-C does, and fails if it does not exit cleanly. */
async function stopStack(stack: ChildProcess, exited: Promise<string>): Promise<void> {
  if (stack.exitCode !== null || stack.signalCode !== null) {
    const output = fs.readFileSync(logPath, "utf8");
    throw new Error(
      `the demo stack exited during the tests (${await exited}), so later tests ran without it; ` +
        `the end of ${logPath}:\n${tail(output, 20)}`,
    );
  }

  stack.kill("SIGINT");
  const outcome = await Promise.race([exited, delay(STOP_TIMEOUT_MS).then(() => null)]);
  if (outcome === null) {
    stack.kill("SIGKILL");
    throw new Error(
      `the demo stack did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGINT and was killed; ` +
        `its services may still hold ports ${ports.mockOkta}-${ports.spa}; see ${logPath}`,
    );
  }
  if (outcome !== "code 0") {
    throw new Error(`the demo stack stopped with ${outcome} instead of code 0; see ${logPath}`);
  }
  console.log("e2e: demo stack stopped");
}

/** Resolves with "code N" or "signal S" once the process has exited. */
function exitOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    child.once("error", (error) => resolve(`error ${error.message}`));
    child.once("exit", (code, signal) => resolve(code !== null ? `code ${code}` : `signal ${signal}`));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
