// Crash recovery: 100 holders apply for 500 endorsements against the release
// server, which is killed with SIGKILL while copies are being made (and while
// applications are still arriving). After a restart, holders resubmit what got
// no answer with the same form key, and every endorsement ends ready exactly
// once: no duplicates, no stuck jobs, no lost or doubled audit entries, the
// quota counted as before the crash.

import { expect, test } from "@playwright/test";
import {
  Application,
  applicationForm,
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

const HOLDERS = 100;
const TOTAL = HOLDERS * PLAN.length;

test.afterEach(killAll);

test("kill -9 while generating: every endorsement ends ready exactly once", async () => {
  test.setTimeout(300_000);
  // One generator: the queue is still long when the process is killed.
  const server = Server.fresh("crash", 3201, { ECERT_GENERATION_WORKERS: "1" });
  server.import(writeFile(server.dataDir, "certificates.csv", certificatesCsv(HOLDERS, 2)));
  await server.start();

  const holders: Session[] = await pool(8, Array.from({ length: HOLDERS }, (_, i) => () => newHolder(server.base, i)));
  const certificates = await certificateIds(holders);
  expect(certificates.every((c) => c.length === 2)).toBe(true);

  const applications = planApplications(certificates, "crash");
  const apply = async (a: Application) => {
    const reply = await holders[a.holder].call("apply_endorsement", applicationForm(a));
    if (reply.status !== 200) throw new Error(`apply: ${reply.status} ${reply.body}`);
    return reply.json().id as number;
  };

  // Applications arrive 64 at a time; the process dies once 350 are accepted.
  let accepted = 0;
  let killing: Promise<void> | null = null;
  await pool(
    64,
    applications.map((a) => async () => {
      try {
        a.id = await apply(a);
        if (++accepted === 350) killing = server.kill9();
      } catch {
        // No answer (the server died): the holder will submit again.
      }
    }),
  );
  await killing;
  const atKill = {
    recorded: server.sqlNumber("SELECT count(*) FROM endorsements"),
    ready: server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'ready'"),
    generating: server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'generating'"),
  };
  console.log(`at kill -9: ${JSON.stringify(atKill)}; answered ${accepted} of ${TOTAL}`);
  expect(atKill.generating, "killed mid-generation").toBeGreaterThan(0);
  expect(atKill.recorded).toBeGreaterThanOrEqual(accepted);

  // Restart with every core generating; sessions live in the database and survive.
  const restarted = Date.now();
  await server.start({ ECERT_GENERATION_WORKERS: "0" });
  // Unanswered applications are sent again with their form key, and a few
  // answered ones too (a holder who was not sure): each gives one endorsement.
  const again = applications.filter((a) => a.id === undefined).concat(applications.filter((a) => a.id).slice(0, 20));
  await pool(
    32,
    again.map((a) => async () => {
      const id = await apply(a);
      if (a.id !== undefined) expect(id, "the same form key gives the same endorsement").toBe(a.id);
      a.id = id;
    }),
  );
  let generating = Infinity;
  while (generating > 0 && Date.now() - restarted < 120_000) {
    await sleep(250);
    generating = server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'generating'");
  }
  console.log(`all ready ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restart`);

  // Exactly once, all of it.
  expect(new Set(applications.map((a) => a.id)).size).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM endorsements")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'ready'")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM endorsement_files")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(DISTINCT pdf) FROM endorsement_files")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM issued_files WHERE endorsement_id IS NOT NULL")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(DISTINCT endorsement_id) FROM issued_files")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM audit_log WHERE event = 'endorsement_applied'")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM audit_log WHERE event = 'endorsement_ready'")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(DISTINCT subject) FROM audit_log WHERE event = 'endorsement_ready'")).toBe(TOTAL);
  expect(server.sqlNumber("SELECT count(*) FROM endorsements WHERE lease_owner IS NOT NULL")).toBe(0);
  // The quota as planned: 3 on each first certificate, 2 on each second.
  const perCertificate = server.sql("SELECT count(*) FROM endorsements GROUP BY certificate_id ORDER BY 1").split("\n");
  expect(perCertificate.filter((n) => n === "2").length).toBe(HOLDERS);
  expect(perCertificate.filter((n) => n === "3").length).toBe(HOLDERS);
  for (const i of [0, 57, 99]) {
    const [first, second] = certificates[i];
    expect((await holders[i].call("endorsement_form", { certificate_id: String(first) })).json().remaining).toBe(0);
    expect((await holders[i].call("endorsement_form", { certificate_id: String(second) })).json().remaining).toBe(1);
  }

  // Copies made around the crash are whole and verify.
  for (const a of [applications[0], applications[349], applications[TOTAL - 1]]) {
    const file = await holders[a.holder].get(`/api/endorsement_file?id=${a.id}&download=true`, "application/pdf");
    expect(file.status).toBe(200);
    const verdict = await fetch(`${server.base}/api/v1/verify/file`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: file.bytes,
    });
    expect((await verdict.json()).outcome).toBe("valid");
  }
  await server.stop();
});
