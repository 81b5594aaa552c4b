// Soak: 200 holders' sessions browse, apply, poll, download and have their
// copies verified against the release server for SOAK_SECONDS (120 by
// default), with no think time beyond 0–100 ms. Every answer must be one a
// holder expects (refusals by the quota are expected; a 5xx, a dropped
// connection or an unexpected status is an error), and the server's resident
// memory must stay bounded. The figures are printed and kept in
// end2end/.soak/report.json (docs/security.md quotes them).

import { expect, test } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { certificatesCsv, killAll, newHolder, pool, Server, Session, sleep, writeFile } from "./fixture";

const SESSIONS = 200;
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
// Resident memory bounds (MiB): the whole run, and growth over its second
// half (measured here: peak 84, growth 0.1; docs/security.md).
const MAX_RSS_MIB = Number(process.env.SOAK_MAX_RSS_MIB ?? 256);
const MAX_SECOND_HALF_GROWTH_MIB = Number(process.env.SOAK_MAX_GROWTH_MIB ?? 32);

type Sample = { route: string; ms: number; ok: boolean; status: number };

test.afterEach(killAll);

test("200 sessions for two minutes: no errors, bounded memory", async () => {
  test.setTimeout((SECONDS + 180) * 1000);
  const server = Server.fresh("soak", 3202);
  server.import(writeFile(server.dataDir, "certificates.csv", certificatesCsv(SESSIONS, 2)));
  await server.start();
  const holders: Session[] = await pool(8, Array.from({ length: SESSIONS }, (_, i) => () => newHolder(server.base, i)));

  const samples: Sample[] = [];
  const failures: string[] = [];
  const timed = async (route: string, expected: number[], run: () => Promise<{ status: number; body?: string }>) => {
    const started = performance.now();
    let status = 0;
    try {
      status = (await run()).status;
    } catch (e) {
      failures.push(`${route}: ${e}`);
    }
    const ok = expected.includes(status);
    if (!ok && status !== 0) failures.push(`${route}: HTTP ${status}`);
    samples.push({ route, ms: performance.now() - started, ok, status });
    return ok;
  };

  const memory: { at: number; mib: number }[] = [];
  const start = Date.now();
  const end = start + SECONDS * 1000;
  const sampler = (async () => {
    while (Date.now() < end) {
      memory.push({ at: (Date.now() - start) / 1000, mib: server.rssKiB() / 1024 });
      await sleep(2000);
    }
  })();

  const session = async (h: Session, i: number) => {
    const list = (await h.call("certificates")).json();
    const ids: number[] = list.map((c: any) => c.id);
    let ready: { id: number; number: string }[] = [];
    let key = 0;
    while (Date.now() < end) {
      const certificate = String(ids[Math.floor(Math.random() * ids.length)]);
      const roll = Math.random();
      if (roll < 0.25) {
        await timed("GET /certificates", [200], () => h.get("/certificates"));
      } else if (roll < 0.4) {
        await timed("GET /certificates/:id/download", [200], () => h.get(`/certificates/${certificate}/download`));
      } else if (roll < 0.55) {
        await timed("certificates", [200], () => h.call("certificates"));
      } else if (roll < 0.7) {
        await timed("endorsements", [200], async () => {
          const reply = await h.call("endorsements", { certificate_id: certificate });
          if (reply.status === 200) {
            const views = reply.json() as any[];
            ready = ready.filter((r) => !views.some((v) => v.id === r.id));
            ready.push(...views.filter((v) => String(v.phase).toLowerCase() === "valid").map((v) => ({ id: v.id, number: v.number })));
          }
          return reply;
        });
      } else if (roll < 0.8) {
        // 200 accepted, 409 the quota is used up: both are what a holder expects.
        await timed("apply_endorsement", [200, 409], () =>
          h.call("apply_endorsement", { certificate_id: certificate, scenario: "own_use", days: "30", form_key: `soak-${i}-${key++}` }),
        );
      } else if (roll < 0.92 && ready.length) {
        const copy = ready[Math.floor(Math.random() * ready.length)];
        await timed("endorsement_file", [200], () => h.get(`/api/endorsement_file?id=${copy.id}&download=true`, "application/pdf"));
      } else if (ready.length) {
        const copy = ready[Math.floor(Math.random() * ready.length)];
        await timed("GET /api/v1/verify/endorsement/:n", [200], () =>
          fetch(`${server.base}/api/v1/verify/endorsement/${copy.number}`),
        );
      }
      await sleep(Math.random() * 100);
    }
  };
  await Promise.all(holders.map((h, i) => session(h, i)));
  await sampler;
  // Copies applied for in the last moments are made within seconds.
  for (let t = 0; t < 120 && server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'generating'") > 0; t++) {
    await sleep(250);
  }
  const lastMib = server.rssKiB() / 1024;
  await server.stop();

  // The figures.
  const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const routes = [...new Set(samples.map((s) => s.route))].sort();
  const table = routes.map((route) => {
    const ms = samples.filter((s) => s.route === route).map((s) => s.ms).sort((a, b) => a - b);
    return { route, requests: ms.length, p50_ms: +pct(ms, 50).toFixed(1), p99_ms: +pct(ms, 99).toFixed(1) };
  });
  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  const half = memory.filter((m) => m.at >= SECONDS / 2);
  const report = {
    sessions: SESSIONS,
    seconds: SECONDS,
    requests: samples.length,
    requests_per_second: +(samples.length / SECONDS).toFixed(0),
    errors: failures.length,
    p50_ms: +pct(all, 50).toFixed(1),
    p99_ms: +pct(all, 99).toFixed(1),
    rss_mib: { first: +memory[0].mib.toFixed(1), max: +Math.max(...memory.map((m) => m.mib), lastMib).toFixed(1), last: +lastMib.toFixed(1) },
    second_half_growth_mib: +(lastMib - (half[0]?.mib ?? lastMib)).toFixed(1),
    endorsements_ready: server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'ready'"),
    endorsements_generating: server.sqlNumber("SELECT count(*) FROM endorsements WHERE status = 'generating'"),
    routes: table,
    memory,
  };
  fs.mkdirSync(path.join(server.dataDir), { recursive: true });
  fs.writeFileSync(path.join(server.dataDir, "report.json"), JSON.stringify(report, null, 2));
  console.log(JSON.stringify({ ...report, memory: undefined }, null, 2));

  expect(failures.slice(0, 10), `${failures.length} errors`).toEqual([]);
  expect(report.requests).toBeGreaterThan(SESSIONS * 10);
  expect(report.endorsements_ready).toBeGreaterThan(0);
  expect(report.endorsements_generating, "the queue kept up").toBe(0);
  expect(report.rss_mib.max).toBeLessThan(MAX_RSS_MIB);
  expect(report.second_half_growth_mib).toBeLessThan(MAX_SECOND_HALF_GROWTH_MIB);
});
