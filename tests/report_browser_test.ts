/**
 * The report page in a real browser (Debian's headless Chromium): the
 * fixture's hostile host strings (tests/support/report_fixture.ts) are
 * text, no injected element exists, no injected script ran (its marker
 * `data-pwned` is absent while the page's own `data-ready` is set), and a
 * local HTTP server the hostile URLs point at received no request; the
 * page's script sorts, filters, pages and expands; a page of 10,000
 * findings renders one page of rows. Skipped only when chromium is absent
 * and cannot be installed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bytes } from "../jobs/report/format.ts";
import { renderReport, text, visible } from "../jobs/report/mod.ts";
import { chromiumPath, chromiumRun, HeadlessPage } from "./support/chromium.ts";
import { pngStats } from "./support/png.ts";
import { hostileStrings, longCommandLine, reportFixture } from "./support/report_fixture.ts";

const CHROMIUM = await chromiumPath();
if (!CHROMIUM) console.warn("report_browser_test: chromium absent and not installable: skipped");
const ignore = CHROMIUM === null;

/** A local HTTP server counting the requests it gets. */
function trap() {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    requests.push(`${req.method} ${new URL(req.url).pathname}`);
    return new Response("trap", { headers: { "content-type": "text/plain" } });
  });
  return { port: server.addr.port, requests, close: () => server.shutdown() };
}

/** `s` as Chromium serialises a text node holding what text(s) renders. */
const domText = (s: string) => text(s).replaceAll("&quot;", '"').replaceAll("&#39;", "'");

const INJECTED = "img,iframe,frame,link,image,object,embed,video,audio,[id^=injected]";

async function writePage(dir: string, html: string): Promise<string> {
  const file = `${dir}/report-2026-11-27.html`;
  await Deno.writeTextFile(file, html);
  return `file://${file}`;
}

Deno.test({
  name:
    "trap() gets the request of an unescaped <img> and the DOM shows an injected script's marker (control)",
  ignore,
  fn: async () => {
    const server = trap();
    const dir = await Deno.makeTempDir({ prefix: "report_browser_" });
    try {
      const url = await writePage(
        dir,
        `<!DOCTYPE html><html><body><p>control</p><img src="http://127.0.0.1:${server.port}/control">` +
          `<script>document.body.setAttribute("data-pwned", "control")</script></body></html>`,
      );
      const dom = (await chromiumRun(CHROMIUM!, url, ["--dump-dom", "--virtual-time-budget=5000"]))
        .stdout;
      assert.match(/<body[^>]*>/.exec(dom)?.[0] ?? "", /data-pwned="control"/);
      assert(server.requests.includes("GET /control"), server.requests.join());
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "renderReport() page in Chromium shows hostile strings as text, runs no injected script, makes no request",
  ignore,
  fn: async () => {
    const server = trap();
    const dir = await Deno.makeTempDir({ prefix: "report_browser_" });
    try {
      const input = reportFixture({ port: server.port, sigmaMatches: 120 });
      const url = await writePage(dir, renderReport(input));
      const hostile = Object.values(hostileStrings(server.port));

      // a screenshot: a PNG of the window size showing a page, not a blank
      const shot = `${dir}/shot.png`;
      await chromiumRun(CHROMIUM!, url, [
        `--screenshot=${shot}`,
        "--window-size=1280,2000",
        "--virtual-time-budget=5000",
      ]);
      const png = pngStats(await Deno.readFile(shot));
      console.log(
        `screenshot ${bytes((await Deno.stat(shot)).size)}: ${png.colours} colours, ${
          (png.nonBackground * 100).toFixed(1)
        }% not background`,
      );
      assert.equal(png.width, 1280);
      assert.equal(png.height, 2000);
      assert(png.colours > 50, `${png.colours} colours`);
      assert(png.nonBackground > 0.05, `${png.nonBackground} of the pixels drawn`);

      // the DOM after the page's script ran
      const dom = (await chromiumRun(CHROMIUM!, url, ["--dump-dom", "--virtual-time-budget=5000"]))
        .stdout;
      const body = /<body[^>]*>/.exec(dom)?.[0] ?? "";
      assert.match(body, /data-ready="1"/, "the page's own script did not run");
      assert.doesNotMatch(body, /data-pwned|data-script-error/, body);
      assert.doesNotMatch(dom, /<(img|iframe|frame|link|image|object|embed)\b/i);
      assert.doesNotMatch(dom, /<[a-z]+[^>]*\sid="injected/);
      for (const s of hostile) assert(dom.includes(domText(s)), `not shown as text: ${s}`);

      // drive the page: details, filter, facet, sort, pages
      const page = await HeadlessPage.open(CHROMIUM!, url);
      try {
        assert(await page.waitFor("data-ready"), "the page never set data-ready");
        const ev = <T>(js: string) => page.evaluate<T>(js);
        assert.equal(await ev(`document.body.getAttribute("data-script-error")`), null);
        const main = await ev<string>(`document.querySelector("main").textContent`);
        for (const s of hostile) assert(main.includes(visible(s)), `not in the text: ${s}`);
        assert.equal(await ev(`document.querySelectorAll("#rows-sigma > tr[data-i]").length`), 50);

        // expand every row of every table's first page: details of hostile rows included
        const opened = await ev<number>(`(() => {
          let n = 0;
          for (;;) {
            const b = document.querySelector('button.exp[aria-expanded="false"]');
            if (!b) return n;
            b.click();
            n++;
          }
        })()`);
        assert(opened >= 50 + 12, `${opened} rows expanded`);
        const detail = await ev<string>(
          `[...document.querySelectorAll("#t-sigma tr.detail")].map((t) => t.textContent).join("\\n")`,
        );
        assert(detail.includes(visible(longCommandLine(server.port))), "the 10 KiB argv in full");
        assert(detail.includes(visible(hostileStrings(server.port).bidi)), "a hostile ancestor");
        assert(detail.includes("◀ this exec"));
        assert(detail.includes("first seen"), "novelty context");
        assert.equal(await ev(`document.querySelectorAll(${JSON.stringify(INJECTED)}).length`), 0);
        assert.equal(await ev(`document.body.hasAttribute("data-pwned")`), false);

        const sigma = input.tables.sigma_matches;
        const rows = () =>
          ev<number>(`+document.getElementById("t-sigma").getAttribute("data-rows")`);
        // filter by a host
        await ev(`(() => { const q = document.querySelector("#t-sigma input.filter");
          q.value = "host-003"; q.dispatchEvent(new Event("input")); })()`);
        assert.equal(await rows(), sigma.filter((m) => m.host === "host-003").length);
        const hosts = await ev<string[]>(
          `[...document.querySelectorAll("#rows-sigma > tr[data-i]")].map((t) => t.children[3].textContent)`,
        );
        assert(hosts.length > 0 && hosts.every((h) => h === "host-003"), hosts.join());
        await ev(`(() => { const q = document.querySelector("#t-sigma input.filter");
          q.value = ""; q.dispatchEvent(new Event("input")); })()`);
        assert.equal(await rows(), sigma.length);
        // facet: level high
        await ev(`(() => { const s = document.querySelector('#t-sigma select.facet[data-col="0"]');
          s.value = [...s.options].find((o) => o.textContent.startsWith("high ")).value;
          s.dispatchEvent(new Event("change")); })()`);
        assert.equal(await rows(), sigma.filter((m) => m.level === "high").length);
        await ev(`(() => { const s = document.querySelector('#t-sigma select.facet[data-col="0"]');
          s.value = ""; s.dispatchEvent(new Event("change")); })()`);
        // sort by host, ascending then descending
        const firstHost = () =>
          ev<string>(`document.querySelector("#rows-sigma > tr[data-i]").children[3].textContent`);
        const shown = sigma.map((m) => visible(m.host as string)).map((h) =>
          [...h].length > 64 ? [...h].slice(0, 63).join("") + "…" : h
        ).sort();
        await ev(`document.querySelector('#t-sigma th[data-col="2"]').click()`);
        assert.equal(await firstHost(), shown[0]);
        await ev(`document.querySelector('#t-sigma th[data-col="2"]').click()`);
        assert.equal(await firstHost(), shown.at(-1));
        assert.equal(
          await ev(`document.querySelector('#t-sigma th[data-col="2"]').getAttribute("aria-sort")`),
          "descending",
        );
        // pages: 50 + 50 + 20
        const next = `document.querySelector("#t-sigma .pager button:last-of-type").click()`;
        await ev(next);
        await ev(next);
        assert.equal(await ev(`document.getElementById("t-sigma").getAttribute("data-page")`), "3");
        assert.equal(await ev(`document.querySelectorAll("#rows-sigma > tr[data-i]").length`), 20);
        assert.equal(
          await ev(`document.querySelector("#t-sigma .pager button:last-of-type").disabled`),
          true,
        );
        await ev(`(() => { const s = document.querySelector("#t-sigma select.size");
          s.value = "1000"; s.dispatchEvent(new Event("change")); })()`);
        assert.equal(await ev(`document.querySelectorAll("#rows-sigma > tr[data-i]").length`), 120);
        assert.equal(await ev(`document.querySelectorAll(${JSON.stringify(INJECTED)}).length`), 0);
        assert.equal(await ev(`document.body.hasAttribute("data-pwned")`), false);
      } finally {
        await page.close();
      }
      assert.deepEqual(server.requests, [], "requests reached the local server");
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "renderReport() page of 10,000 findings in Chromium renders one page of rows",
  ignore,
  fn: async () => {
    const server = trap();
    const dir = await Deno.makeTempDir({ prefix: "report_browser_" });
    try {
      const html = renderReport(
        reportFixture({ port: server.port, sigmaMatches: 10_000, hosts: 300 }),
      );
      const url = await writePage(dir, html);
      const size = new TextEncoder().encode(html).length;
      const dom = (await chromiumRun(CHROMIUM!, url, ["--dump-dom", "--virtual-time-budget=10000"]))
        .stdout;
      assert.match(/<body[^>]*>/.exec(dom)?.[0] ?? "", /data-ready="1"/);
      const tbody = /<tbody id="rows-sigma">(.*?)<\/tbody>/s.exec(dom)?.[1] ?? "";
      const rendered = (tbody.match(/<tr data-i=/g) ?? []).length;
      assert.equal(rendered, 50);
      const page = await HeadlessPage.open(CHROMIUM!, url);
      try {
        assert(await page.waitFor("data-ready"));
        const t = await page.evaluate<{ ready: number; rows: string; trs: number }>(`({
          ready: performance.now(),
          rows: document.getElementById("t-sigma").getAttribute("data-rows"),
          trs: document.querySelectorAll("tr").length,
        })`);
        assert.equal(t.rows, "10000");
        console.log(
          `10,000 findings, 300 hosts: page ${
            bytes(size)
          } (${size} bytes), ${rendered} sigma rows rendered, ${t.trs} <tr> in the DOM, data-ready seen after ~${
            Math.round(t.ready)
          } ms (not asserted)`,
        );
      } finally {
        await page.close();
      }
      assert.deepEqual(server.requests, []);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
