// Graceful shutdown (docs/configuration.md, "Stopping"): SIGTERM while 40
// holders are applying for 200 endorsements against the release server, 32
// requests in flight. Every request sent before the signal gets its answer;
// none is reset or cut mid-way. Those sent after it find the port closed
// (connection refused: nothing was received). The process exits 0 within the
// grace period, leaving no job leased. After a restart the refused
// applications are sent again with their form key, and every endorsement ends
// ready exactly once.

import { expect, test } from "@playwright/test";
import {
  Application,
  applicationForm as form,
  certificateIds,
  certificatesCsv,
  killAll,
  newHolder,
  PLAN,
  planApplications,
  pool,
  Server,
  Session,
  sleep,
  writeFile,
} from "./fixture";

const HOLDERS = 40;
const TOTAL = HOLDERS * PLAN.length;

test.afterEach(killAll);

test("SIGTERM during a burst of applications: answered or refused, never reset; all end ready", async () => {
  test.setTimeout(180_000);
  // One generator, so that copies are still being made at the signal.
  const server = Server.fresh("shutdown", 3203, { ECERT_GENERATION_WORKERS: "1", ECERT_SHUTDOWN_GRACE_SECONDS: "10" });
  server.import(writeFile(server.dataDir, "certificates.csv", certificatesCsv(HOLDERS, 2)));
  await server.start();
  const holders: Session[] = await pool(8, Array.from({ length: HOLDERS }, (_, i) => () => newHolder(server.base, i)));
  const applications = planApplications(await certificateIds(holders), "term");

  // 32 at a time, each on its own connection; SIGTERM once 80 are answered.
  // What is not yet sent then waits until the process has ended.
  let answered = 0;
  let signalled = 0;
  let stopping: Promise<number | null> | null = null;
  const unsent: Application[] = [];
  const refused: Application[] = [];
  const lost: string[] = [];
  await pool(
    32,
    applications.map((a) => async () => {
      if (signalled) {
        unsent.push(a);
        return;
      }
      try {
        const reply = await holders[a.holder].callOnNewConnection("apply_endorsement", form(a));
        expect(reply.status, reply.body).toBe(200);
        a.id = reply.json().id as number;
        if (++answered === 80) {
          signalled = Date.now();
          stopping = server.stop();
        }
      } catch (e: any) {
        if (e?.code === "ECONNREFUSED") refused.push(a);
        else lost.push(`${a.key}: ${e?.code ?? e}`);
      }
    }),
  );
  const code = await stopping;
  const took = (Date.now() - signalled) / 1000;
  // The port is closed now: each later application is refused, not reset.
  for (const a of unsent) {
    const error: any = await holders[a.holder].callOnNewConnection("apply_endorsement", form(a)).then(
      () => null,
      (e) => e,
    );
    expect(error?.code, "after the stop").toBe("ECONNREFUSED");
    refused.push(a);
  }
  console.log(`answered ${answered}, refused ${refused.length}, lost ${lost.length}; exit ${code} after ${took.toFixed(1)} s`);
  expect(lost, "requests reset or cut in flight").toEqual([]);
  expect(code, "exit status").toBe(0);
  expect(took).toBeLessThan(15);
  expect(unsent.length, "the signal came during the burst").toBeGreaterThan(0);
  expect(answered + refused.length).toBe(TOTAL);
  // Whatever was not made is back in the queue, held by no one.
  expect(server.sqlNumber("SELECT count(*) FROM endorsements WHERE lease_owner IS NOT NULL")).toBe(0);
  expect(server.sqlNumber("SELECT count(*) FROM endorsements")).toBe(answered);

  await server.start({ ECERT_GENERATION_WORKERS: "0" });
  await pool(
    16,
    refused.map((a) => async () => {
      const reply = await holders[a.holder].call("apply_endorsement", form(a));
      expect(reply.status, reply.body).toBe(200);
      a.id = reply.json().id as number;
    }),
  );
  const restarted = Date.now();
  let generating = Infinity;
  while (generating > 0 && Date.now() - restarted < 60_000) {
    await sleep(250);
    generating = server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'generating'");
  }
  expect(new Set(applications.map((a) => a.id)).size).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'ready'")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(DISTINCT endorsement_id) FROM issued_files")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM audit_log WHERE event = 'endorsement_ready'")).toBe(TOTAL);
  // No attempt was spent by the stop: every copy was made at its first try.
  expect(server.sqlNumber("SELECT max(attempts) FROM endorsements")).toBeLessThanOrEqual(1);
  const log = require("node:fs").readFileSync(`${server.dataDir}/server.log`, "utf8");
  expect(log).not.toContain("panicked");
  expect(await server.stop()).toBe(0);
});
