/**
 * The page's own script (inline, under the page's CSP nonce): sorts,
 * filters, pages and expands the tables from their JSON blocks (table.ts).
 * It writes text only through `textContent` / text nodes (never HTML), marks
 * the `\xNN` escapes of {@link visible} with `<span class="x">`, sets
 * `data-rows` / `data-page` on each table and `data-ready="1"` on `<body>`
 * once every table is wired (a script error: `data-script-error`).
 *
 * @module
 */

import { ESCAPE_SOURCE } from "./escape.ts";

/** Page sizes offered. */
export const PAGE_SIZES = [25, 50, 200, 1000] as const;

/** The script's source (plain ES5-style JS, no eval, no innerHTML). */
export const CLIENT_JS = `(function () {
"use strict";
var ESC = new RegExp(${JSON.stringify(ESCAPE_SOURCE)}, "g");
var NF = new Intl.NumberFormat("en-US");
var SIZES = ${JSON.stringify(PAGE_SIZES)};
function el(tag, cls, txt) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (txt !== undefined) e.textContent = txt;
  return e;
}
function fill(e, s) {
  var last = 0, m;
  ESC.lastIndex = 0;
  while ((m = ESC.exec(s)) !== null) {
    if (m.index > last) e.appendChild(document.createTextNode(s.slice(last, m.index)));
    e.appendChild(el("span", "x", m[0]));
    last = m.index + m[0].length;
  }
  if (last < s.length) e.appendChild(document.createTextNode(s.slice(last)));
  return e;
}
function table(root) {
  var id = root.getAttribute("data-table");
  var tbody = root.querySelector("tbody");
  if (!tbody) return;
  var D = JSON.parse(document.getElementById("data-" + id).textContent);
  var C = D.c, S = D.s, R = D.r, DT = D.d;
  var st = { col: -1, dir: 1, q: "", facets: {}, page: 0, size: D.p, open: {} };
  var all = [], order, hay = null, i, j;
  for (i = 0; i < R.length; i++) all.push(i);
  order = all;
  function rowText(i) {
    var parts = [], r = R[i], k, d;
    for (var j = 0; j < C.length; j++) {
      if (r[j] !== null) parts.push(C[j].k === "num" ? String(r[j]) : S[r[j]]);
    }
    d = DT && DT[i];
    if (d) {
      for (k = 1; k < d[0].length; k += 2) parts.push(S[d[0][k]]);
      for (k = 0; k < d[2].length; k++) if (d[2][k] >= 0) parts.push(S[d[2][k]]);
      for (k = 0; k < d[3].length; k++) parts.push(S[d[3][k]]);
    }
    return parts.join("\\u0001").toLowerCase();
  }
  function sortKeys(j) {
    var c = C[j], keys = new Array(R.length), v;
    for (var i = 0; i < R.length; i++) {
      v = R[i][j];
      if (v === null) keys[i] = null;
      else if (c.k === "num") keys[i] = v;
      else if (c.k === "rank") {
        keys[i] = c.r.indexOf(S[v]);
        if (keys[i] < 0) keys[i] = c.r.length;
      } else keys[i] = S[v];
    }
    return keys;
  }
  function apply() {
    var q = st.q.toLowerCase(), fs = [], k;
    for (k in st.facets) if (st.facets[k] !== "") fs.push([+k, +st.facets[k]]);
    if (q && !hay) hay = all.map(rowText);
    order = all.filter(function (i) {
      for (var f = 0; f < fs.length; f++) if (R[i][fs[f][0]] !== fs[f][1]) return false;
      return !q || hay[i].indexOf(q) >= 0;
    });
    if (st.col >= 0) {
      var keys = sortKeys(st.col), dir = st.dir;
      order.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        if (x === y) return a - b;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * dir;
      });
    }
    var pages = Math.max(1, Math.ceil(order.length / st.size));
    if (st.page >= pages) st.page = pages - 1;
    render();
  }
  function cell(c, v) {
    var x = c.x ? " " + c.x : "", td, s, n;
    if (v === null) return el("td", "null" + x, "–");
    if (c.k === "num") return el("td", "num" + x, NF.format(v));
    s = S[v];
    td = el("td", c.x || "");
    if (c.k === "rank" && c.p) {
      n = c.r.indexOf(s);
      if (n >= 0) td.className = c.p + "-" + n + x;
    }
    return fill(td, s);
  }
  function row(i) {
    var tr = el("tr"), td, b;
    tr.setAttribute("data-i", String(i));
    if (DT) {
      td = el("td", "exp");
      if (DT[i]) {
        b = el("button", "exp", st.open[i] ? "−" : "+");
        b.type = "button";
        b.title = "details";
        b.setAttribute("aria-expanded", st.open[i] ? "true" : "false");
        td.appendChild(b);
      }
      tr.appendChild(td);
    }
    for (var j = 0; j < C.length; j++) tr.appendChild(cell(C[j], R[i][j]));
    return tr;
  }
  function detail(i) {
    var d = DT[i], tr = el("tr", "detail"), td = el("td"), box = el("div", "detail"), k, ul, li;
    td.colSpan = C.length + 1;
    if (d[0].length) {
      var dl = el("dl");
      for (k = 0; k < d[0].length; k += 2) {
        dl.appendChild(fill(el("dt"), S[d[0][k]]));
        dl.appendChild(fill(el("dd"), S[d[0][k + 1]]));
      }
      box.appendChild(dl);
    }
    if (d[1] >= 0) {
      var at = el("div", "tree");
      at.appendChild(fill(el("div", "tree-title"), S[d[1]]));
      var parent = at;
      for (k = 0; k < d[2].length; k += 2) {
        ul = el("ul");
        li = el("li");
        li.appendChild(fill(el("div", "node"), S[d[2][k]]));
        if (d[2][k + 1] >= 0) li.appendChild(fill(el("div", "sub"), S[d[2][k + 1]]));
        ul.appendChild(li);
        parent.appendChild(ul);
        parent = li;
      }
      box.appendChild(at);
    }
    if (d[3].length) {
      ul = el("ul", "notes");
      for (k = 0; k < d[3].length; k++) ul.appendChild(fill(el("li"), S[d[3][k]]));
      box.appendChild(ul);
    }
    td.appendChild(box);
    tr.appendChild(td);
    return tr;
  }
  var ctl = root.querySelector(".controls"), pager = root.querySelector(".pager");
  var label = el("span", "count"), prev = el("button", "", "‹ previous"), next = el("button", "", "next ›");
  prev.type = next.type = "button";
  function render() {
    var frag = document.createDocumentFragment();
    var from = st.page * st.size, to = Math.min(order.length, from + st.size);
    for (var p = from; p < to; p++) {
      frag.appendChild(row(order[p]));
      if (st.open[order[p]]) frag.appendChild(detail(order[p]));
    }
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    tbody.appendChild(frag);
    root.setAttribute("data-rows", String(order.length));
    root.setAttribute("data-page", String(st.page + 1));
    label.textContent = order.length
      ? "rows " + NF.format(from + 1) + "–" + NF.format(to) + " of " + NF.format(order.length) +
        (order.length < R.length ? " (filtered from " + NF.format(R.length) + ")" : "")
      : "no row matches";
    prev.disabled = st.page === 0;
    next.disabled = to >= order.length;
  }
  var q = el("input", "filter");
  q.type = "search";
  q.placeholder = "filter (any column, details too)";
  q.setAttribute("aria-label", "filter rows");
  q.addEventListener("input", function () { st.q = q.value; st.page = 0; apply(); });
  ctl.appendChild(q);
  C.forEach(function (c, j) {
    if (!c.f || c.k === "num") return;
    var counts = {}, vals = [], v;
    for (var i = 0; i < R.length; i++) {
      v = R[i][j];
      if (v === null) continue;
      if (!counts[v]) { counts[v] = 0; vals.push(v); }
      counts[v]++;
    }
    if (vals.length < 2 || vals.length > 60) return;
    vals.sort(function (a, b) {
      if (c.k === "rank") {
        var x = c.r.indexOf(S[a]), y = c.r.indexOf(S[b]);
        return (x < 0 ? 99 : x) - (y < 0 ? 99 : y) || (S[a] < S[b] ? -1 : 1);
      }
      return S[a] < S[b] ? -1 : 1;
    });
    var sel = el("select", "facet");
    sel.setAttribute("aria-label", c.l);
    sel.setAttribute("data-col", String(j));
    sel.appendChild(el("option", "", "every " + c.l));
    sel.firstChild.value = "";
    vals.forEach(function (v) {
      var o = el("option", "", S[v] + " (" + NF.format(counts[v]) + ")");
      o.value = String(v);
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () { st.facets[j] = sel.value; st.page = 0; apply(); });
    ctl.appendChild(sel);
  });
  var size = el("select", "size");
  size.setAttribute("aria-label", "rows per page");
  SIZES.forEach(function (n) {
    var o = el("option", "", n + " per page");
    o.value = String(n);
    if (n === st.size) o.selected = true;
    size.appendChild(o);
  });
  size.addEventListener("change", function () { st.size = +size.value; st.page = 0; apply(); });
  while (pager.firstChild) pager.removeChild(pager.firstChild);
  pager.appendChild(prev);
  pager.appendChild(label);
  pager.appendChild(next);
  pager.appendChild(size);
  prev.addEventListener("click", function () { st.page--; render(); });
  next.addEventListener("click", function () { st.page++; render(); });
  var ths = root.querySelectorAll("th[data-col]");
  function sortMarks() {
    for (var k = 0; k < ths.length; k++) {
      var jj = +ths[k].getAttribute("data-col");
      if (jj === st.col) ths[k].setAttribute("aria-sort", st.dir > 0 ? "ascending" : "descending");
      else ths[k].removeAttribute("aria-sort");
    }
  }
  for (j = 0; j < ths.length; j++) {
    ths[j].tabIndex = 0;
    ths[j].addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        ev.currentTarget.click();
      }
    });
    ths[j].addEventListener("click", function (ev) {
      var jj = +ev.currentTarget.getAttribute("data-col");
      if (st.col === jj) st.dir = -st.dir;
      else { st.col = jj; st.dir = C[jj].k === "num" ? -1 : 1; }
      sortMarks();
      apply();
    });
  }
  tbody.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button.exp") : null;
    if (!b) return;
    var n = +b.parentNode.parentNode.getAttribute("data-i");
    if (st.open[n]) delete st.open[n];
    else st.open[n] = 1;
    render();
  });
  render();
}
var roots = document.querySelectorAll("[data-table]");
for (var k = 0; k < roots.length; k++) {
  try {
    table(roots[k]);
  } catch (e) {
    document.body.setAttribute("data-script-error", String(e && e.message || e));
  }
}
document.body.setAttribute("data-ready", "1");
})();
`;
