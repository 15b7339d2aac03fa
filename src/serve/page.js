// The what-if page of `xuhui-sim serve`. Every figure shown comes from the
// server's runs (POST /api/whatif); this script only turns control positions
// into `set` keys and draws the answers. A change answers first at the coarse
// path count and is refined to the chosen count; a newer change cancels the
// older one (AbortController here, the `channel` on the server).
"use strict";

const T = {
  en: {
    paths: "Paths", seed: "Seed", reset: "Reset all", save_as: "Save as", save: "Save scenario",
    fans: "Fan charts (5–95 %, 25–75 %, median; dashed: as loaded)",
    uncertain: "Uncertain inputs (drawn per path)", regime: "Downturn regime", targets: "Target thresholds",
    fixed: "Other fixed assumptions", centre: "centre", spread: "spread", value: "value",
    target: "Target", probability: "P(met)", interval: "95 % MC interval", change: "Change vs loaded",
    verdict: "Verdict", better: "better", worse: "worse", no_significant_change: "no significant change",
    paths_behind: "paths", moves: "what moves it?", loading: "loading the scenario…",
    running: "running {n} paths…", refining: "answered from {n} paths in {ms} ms; refining to {m}…",
    answered: "answered from {n} paths (paired with the loaded scenario on the same paths, seed {seed}) in {ms} ms",
    expected: "Targets met in {y} ({g})", of: "of", base: "loaded", at_least: "P(at least k met)",
    saved: "saved {file}; reproduce with: xuhui-sim run {file}", replace: "{file} exists. Replace it?",
    tornado: "What moves “{t}”: P(met) with each input at its p10 and p90 ({n} paths)",
    tornado_running: "running the tornado ({n} paths, two runs per uncertain input)…",
    close: "close", seed_kind: "seed", assumption_kind: "assumption", all: "all", seedgroup: "article's",
    paired: "paired", independent: "independent", mc: "Monte Carlo error: ±{e} (95 %)",
  },
  zh: {
    paths: "路径数", seed: "随机种子", reset: "全部复原", save_as: "另存为", save: "保存情景",
    fans: "扇形图（5–95 %、25–75 %、中位数；虚线：原情景）",
    uncertain: "不确定输入（每条路径抽样）", regime: "经济下行机制", targets: "目标阈值",
    fixed: "其他固定假设", centre: "中心", spread: "离散度", value: "数值",
    target: "目标", probability: "达成概率", interval: "95 % 蒙特卡洛区间", change: "相对原情景的变化",
    verdict: "判断", better: "改善", worse: "变差", no_significant_change: "无显著变化",
    paths_behind: "路径", moves: "影响因素", loading: "正在载入情景…",
    running: "正在运行 {n} 条路径…", refining: "已由 {n} 条路径给出结果（{ms} 毫秒）；正在细化到 {m} 条…",
    answered: "由 {n} 条路径给出结果（与原情景同路径、同种子 {seed} 配对比较），用时 {ms} 毫秒",
    expected: "{y} 年达成目标数（{g}）", of: "/", base: "原情景", at_least: "至少达成 k 个的概率",
    saved: "已保存 {file}；复现命令：xuhui-sim run {file}", replace: "{file} 已存在，是否替换？",
    tornado: "影响“{t}”的因素：各输入取 p10 与 p90 时的达成概率（{n} 条路径）",
    tornado_running: "正在运行龙卷风图（{n} 条路径，每个不确定输入两次运行）…",
    close: "关闭", seed_kind: "原文", assumption_kind: "假设", all: "全部", seedgroup: "原文目标",
    paired: "配对", independent: "独立", mc: "蒙特卡洛误差：±{e}（95 %）",
  },
};

const FIELD_ZH = {
  mean_growth: "趋势增长", persistence: "持续性", volatility: "波动率", base: "基期值", growth_base: "基期增长",
  delivery: "完成度", planned: "计划量", downturn_effect: "下行影响", elasticity: "弹性",
  downturn_probability: "下行开始概率", recovery_probability: "复苏概率", correlation: "执行相关性",
};

const FAN_METRICS = ["gdp.growth", "digital_economy.growth", "life_health.growth", "cultural_creative.growth", "modern_finance.growth"];

const state = {
  lang: "en", info: null, set: new Map(), positions: new Map(), base: null, last: null,
  controller: null, generation: 0, channel: null, changedAt: 0, latencies: [], ready: false,
};
window.__whatif = state;

function t(key, vars) {
  let s = (T[state.lang] && T[state.lang][key]) || T.en[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(v);
  return s;
}

function el(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children || []) e.append(c);
  return e;
}

const nf = (x, digits) => (Number.isFinite(x) ? Number(x.toPrecision(digits || 4)).toString() : "–");
const pct = (p) => (Number.isFinite(p) ? (100 * p).toFixed(1) + " %" : "–");
const pts = (d) => (Number.isFinite(d) ? (d >= 0 ? "+" : "−") + Math.abs(100 * d).toFixed(1) + " pt" : "–");
const round6 = (x) => Number(x.toPrecision(6));
const thousands = (n) => Number(n).toLocaleString("en-US");

// The status line, kept as a key and its values so that a language switch
// can say it again.
function status(key, vars, error) {
  state.status = { key, vars, error };
  const s = document.getElementById("status");
  s.textContent = vars === null ? key : t(key, vars);
  s.className = error ? "error" : "";
}
const statusText = (text) => status(text, null, false);
const statusError = (text) => status(text, null, true);

// ---- controls -------------------------------------------------------------

const OWNER_ZH = { "Downturn regime": "经济下行机制", "Programme execution": "项目执行", Prices: "价格", GDP: "地区生产总值" };

function fieldLabel(label) {
  if (state.lang !== "zh") return label;
  const [owner, field] = label.split(" · ");
  return field ? (OWNER_ZH[owner] || owner) + " · " + (FIELD_ZH[field] || field) : label;
}

function buildControls() {
  const aside = document.getElementById("controls");
  aside.replaceChildren();
  const groups = ["uncertain", "regime", "targets", "fixed"];
  for (const g of groups) {
    const members = state.info.controls.filter((c) => c.group === g);
    if (!members.length) continue;
    const d = el("details", g === "fixed" ? {} : { open: "" }, [el("summary", { text: t(g) + " (" + members.length + ")" })]);
    for (const c of members) d.append(controlElement(c));
    aside.append(d);
  }
}

function sourceLine(kind, source) {
  const line = el("div", { class: "source", title: source }, [
    el("span", { class: "kind " + kind, text: t(kind + "_kind") }),
    document.createTextNode(source.replace(/^(seed|assumption):\s*/i, "")),
  ]);
  return line;
}

function slider(name, min, max, step, value, onInput, shown) {
  const input = el("input", { type: "range", min, max, step, value, "aria-label": name });
  const out = el("output", { text: shown(value) });
  input.addEventListener("input", () => {
    out.textContent = shown(Number(input.value));
    onInput(Number(input.value));
  });
  return { row: el("div", { class: "row" }, [el("span", { text: name }), input, out]), input, out };
}

function controlElement(c) {
  const box = el("div", { class: "control", "data-key": c.key });
  const pos = state.positions.get(c.key) || { centre: c.center, spread: 1 };
  state.positions.set(c.key, pos);
  box.append(el("div", { class: "name", text: fieldLabel(c.label) + (c.unit ? " (" + c.unit + ")" : "") }));
  const text = el("div", { class: "dist", text: c.distribution });
  const [lo, hi] = c.range;
  const centreName = c.kind === "number" ? t("value") : t("centre");
  const centre = slider(centreName, lo, hi, c.step, pos.centre, (v) => {
    pos.centre = v;
    changed(c, box, text);
  }, (v) => nf(v, 4));
  centre.input.setAttribute("aria-label", fieldLabel(c.label) + " — " + centreName);
  box.append(centre.row);
  if (c.kind === "distribution" && c.spread) {
    const spread = slider(t("spread"), 0.25, 3, 0.05, pos.spread, (v) => {
      pos.spread = v;
      changed(c, box, text);
    }, (v) => "×" + v.toFixed(2));
    spread.input.setAttribute("aria-label", fieldLabel(c.label) + " — " + t("spread"));
    box.append(spread.row);
  }
  box.append(text, sourceLine(c.source_kind, c.source));
  if (state.set.has(c.key) || [...state.set.keys()].some((k) => k.startsWith(c.key + "."))) {
    box.classList.add("changed");
    text.textContent = describe(c, paramsOf(c));
  }
  return box;
}

// The parameters a control's position stands for: c' + s (p - c) for the
// parameters that follow the centre, s p for those scaled by the spread.
function paramsOf(c) {
  const pos = state.positions.get(c.key);
  const out = {};
  for (const [k, v] of c.params) out[k] = v;
  if (c.kind === "number") {
    out.value = round6(pos.centre);
    return out;
  }
  for (const k of c.shift) out[k] = round6(pos.centre + pos.spread * (out[k] - c.center));
  for (const k of c.scale) out[k] = round6(pos.spread * out[k]);
  if (c.dist === "binomial") out.p = Math.min(1, Math.max(0, out.p));
  return out;
}

function describe(c, params) {
  if (c.kind === "number") return nf(params.value, 6);
  return c.dist + "(" + c.params.map(([k]) => k + " " + nf(params[k], 6)).join(", ") + ")";
}

function changed(c, box, text) {
  const params = paramsOf(c);
  for (const k of [...state.set.keys()]) if (k === c.key || k.startsWith(c.key + ".")) state.set.delete(k);
  let any = false;
  if (c.kind === "number") {
    if (params.value !== c.center) {
      state.set.set(c.key, params.value);
      any = true;
    }
  } else {
    for (const [k, v] of c.params) {
      if (params[k] !== v) {
        state.set.set(c.key + "." + k, params[k]);
        any = true;
      }
    }
  }
  box.classList.toggle("changed", any);
  text.textContent = any ? describe(c, params) : c.distribution;
  schedule();
}

// ---- runs -----------------------------------------------------------------

let pending = false;
function schedule() {
  state.changedAt = performance.now();
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    runAll();
  });
}

function chosenPaths() {
  return Number(document.getElementById("paths").value);
}

function chosenSeed() {
  const v = document.getElementById("seed").value;
  return v === "" ? state.info.seed : Number(v);
}

function body(paths) {
  return { paths, seed: chosenSeed(), set: Object.fromEntries(state.set), channel: state.channel };
}

async function post(url, payload, signal) {
  const r = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload), signal,
  });
  const data = await r.json().catch(() => ({ error: "the server answered " + r.status }));
  return { ok: r.ok, status: r.status, data };
}

// One request at a time: a change while the quick answer is on its way
// waits for it and then asks again; a change during the refinement aborts it
// (the server stops that run at its next block, as the next request of this
// tab's channel supersedes it).
let running = false;
async function runAll() {
  const generation = ++state.generation;
  if (state.refining && state.controller) state.controller.abort();
  if (running) return;
  running = true;
  try {
    while (true) {
      const g = state.generation;
      const done = await runOnce(g);
      if (done || g === state.generation) break;
    }
  } finally {
    running = false;
  }
  void generation;
}

async function runOnce(generation) {
  const started = state.changedAt || performance.now();
  const full = chosenPaths();
  const steps = full > state.info.coarse_paths ? [state.info.coarse_paths, full] : [full];
  for (const [i, paths] of steps.entries()) {
    const controller = new AbortController();
    state.controller = controller;
    state.refining = i > 0;
    if (i === 0) status("running", { n: thousands(paths) });
    let answer;
    try {
      answer = await post("/api/whatif", body(paths), controller.signal);
    } catch (e) {
      if (e.name === "AbortError") return false;
      statusError(String(e));
      return true;
    } finally {
      state.refining = false;
    }
    if (generation !== state.generation) return false;
    if (!answer.ok) {
      if (answer.data.superseded) return false;
      statusError(answer.data.error);
      return true;
    }
    render(answer.data);
    const ms = Math.round(performance.now() - started);
    state.latencies.push({ paths, ms, final: i === steps.length - 1 });
    if (i < steps.length - 1) status("refining", { n: thousands(paths), ms, m: thousands(full) });
    else status("answered", { n: thousands(paths), ms, seed: chosenSeed() });
  }
  state.ready = true;
  return true;
}

// ---- results --------------------------------------------------------------

function render(answer) {
  state.last = answer;
  const s = answer.summary;
  const change = answer.change;
  if (Object.keys(Object.fromEntries(state.set)).length === 0) state.base = s;
  renderMet(s, change);
  renderTargets(s, change);
  renderFans(s);
}

function renderMet(s, change) {
  const box = document.getElementById("met");
  box.replaceChildren();
  const groups = s.targets_met.filter((g) => g.year === state.info.base_year + 1);
  for (const g of groups) {
    const d = change.targets_met.find((x) => x.year === g.year && x.group === g.group);
    const card = el("div", { class: "card", "data-group": g.group });
    card.append(el("div", { class: "muted", text: t("expected", { y: g.year, g: g.group === "all" ? t("all") : t("seedgroup") }) }));
    card.append(el("div", { class: "big", text: nf(g.expected, 3) + " " + t("of") + " " + g.targets }));
    if (d) {
      const cls = d.ci95[0] > 0 ? "better" : d.ci95[1] < 0 ? "worse" : "";
      card.append(el("div", { class: cls, text: t("base") + " " + nf(d.base_expected, 3) + ", Δ " + (d.difference >= 0 ? "+" : "") + nf(d.difference, 2) + " [" + nf(d.ci95[0], 2) + ", " + nf(d.ci95[1], 2) + "]" }));
    }
    card.append(atLeastChart(g));
    box.append(card);
  }
}

function atLeastChart(g) {
  const w = 220, h = 60, n = g.at_least.length;
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h + 14}`, width: w, role: "img", "aria-label": t("at_least") });
  const bw = w / n;
  g.at_least.forEach((p, k) => {
    svg.append(svgEl("rect", { x: k * bw + 1, y: h - p * h, width: Math.max(1, bw - 2), height: p * h, fill: "#7ea6e0" }, [svgEl("title", {}, [document.createTextNode(`P(≥${k}) = ${pct(p)}`)])]));
  });
  svg.append(svgText(0, h + 12, "0", "start"), svgText(w, h + 12, String(n - 1), "end"), svgText(w / 2, h + 12, t("at_least"), "middle"));
  return svg;
}

function renderTargets(s, change) {
  const table = document.getElementById("targets");
  table.replaceChildren();
  table.append(el("thead", {}, [el("tr", {}, [t("target"), t("probability"), t("interval"), t("change"), t("verdict"), t("paths_behind"), ""].map((h) => el("th", { text: h })))]));
  const tbody = el("tbody");
  for (const target of s.targets) {
    const d = change.targets.find((x) => x.name === target.name);
    const verdict = d ? d.verdict : "no_significant_change";
    const row = el("tr", { "data-target": target.name });
    row.append(el("td", {}, [document.createTextNode(target.label), el("span", { class: "sub" }, [el("span", { class: "kind " + target.source_kind, text: t(target.source_kind + "_kind") }), document.createTextNode(target.name)])]));
    row.append(el("td", { "data-field": "probability", text: pct(target.probability) }));
    row.append(el("td", { text: "[" + pct(target.ci95[0]) + ", " + pct(target.ci95[1]) + "]" }));
    row.append(el("td", { class: verdict, "data-field": "difference" }, [document.createTextNode(d ? pts(d.difference) : "–"), el("span", { class: "sub", text: d ? "[" + pts(d.ci95[0]) + ", " + pts(d.ci95[1]) + "] " + t(change.method) : "" })]));
    row.append(el("td", { class: verdict, "data-field": "verdict", text: t(verdict) }));
    row.append(el("td", { text: thousands(s.run.paths) }));
    row.append(el("td", {}, [el("button", { type: "button", text: t("moves"), onclick: () => tornadoOf(target) })]));
    tbody.append(row);
  }
  table.append(tbody);
}

// ---- charts ---------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children || []) e.append(c);
  return e;
}
function svgText(x, y, text, anchor) {
  return svgEl("text", { x, y, "text-anchor": anchor || "start", "font-size": 10, fill: "#5b6573" }, [document.createTextNode(text)]);
}

function renderFans(s) {
  const box = document.getElementById("fans");
  box.replaceChildren();
  for (const metric of FAN_METRICS) {
    const rows = s.metrics.filter((m) => m.metric === metric).sort((a, b) => a.year - b.year);
    if (!rows.length) continue;
    const base = state.base ? state.base.metrics.filter((m) => m.metric === metric).sort((a, b) => a.year - b.year) : [];
    const targets = s.targets.filter((x) => x.metric === metric);
    box.append(fanChart(metric, rows, base, targets));
  }
}

function fanChart(metric, rows, base, targets) {
  const w = 320, h = 170, left = 38, right = 18, top = 8, bottom = 20;
  const values = rows.flatMap((r) => [r.quantiles.p5, r.quantiles.p95]).concat(targets.map((x) => x.at_least ?? x.at_most));
  let lo = Math.min(...values), hi = Math.max(...values);
  if (!(hi > lo)) { lo -= 0.01; hi += 0.01; }
  const pad = (hi - lo) * 0.08; lo -= pad; hi += pad;
  const years = rows.map((r) => r.year);
  const x = (yr) => left + (years.length > 1 ? (yr - years[0]) / (years[years.length - 1] - years[0]) : 0.5) * (w - left - right);
  const y = (v) => top + (hi - v) / (hi - lo) * (h - top - bottom);
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": metric });
  const band = (a, b, fill) => {
    const up = rows.map((r) => `${x(r.year)},${y(r.quantiles[a])}`);
    const down = rows.slice().reverse().map((r) => `${x(r.year)},${y(r.quantiles[b])}`);
    svg.append(svgEl("polygon", { points: up.concat(down).join(" "), fill }));
  };
  for (let i = 0; i <= 4; i++) {
    const v = lo + (hi - lo) * i / 4;
    svg.append(svgEl("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), stroke: "#eef0f3" }));
    svg.append(svgText(left - 3, y(v) + 3, (100 * v).toFixed(1) + "%", "end"));
  }
  band("p95", "p5", "#c9daf3");
  band("p75", "p25", "#8fb1e6");
  const line = (series, attrs) => svg.append(svgEl("polyline", Object.assign({ points: series.map((r) => `${x(r.year)},${y(r.quantiles.p50)}`).join(" "), fill: "none" }, attrs)));
  if (base.length) line(base, { stroke: "#555", "stroke-dasharray": "4 3", "stroke-width": 1.2 });
  line(rows, { stroke: "#1f5fbf", "stroke-width": 2 });
  for (const yr of years) svg.append(svgText(x(yr), h - 6, String(yr), "middle"));
  for (const target of targets) {
    const v = target.at_least ?? target.at_most;
    svg.append(svgEl("circle", { cx: x(target.year), cy: y(v), r: 4, fill: "#b3261e" }, [svgEl("title", {}, [document.createTextNode(target.label + ": " + pct(target.probability))])]));
  }
  return el("div", { class: "fan", "data-metric": metric }, [el("div", { class: "title", text: metric }), svg]);
}

// ---- tornado ----------------------------------------------------------------

async function tornadoOf(target) {
  const box = document.getElementById("tornado");
  box.hidden = false;
  const n = state.info.tornado_paths;
  box.replaceChildren(el("div", { text: t("tornado_running", { n: thousands(n) }) }));
  box.scrollIntoView({ block: "nearest" });
  const answer = await post("/api/tornado", { target: target.name, paths: n, seed: chosenSeed(), set: Object.fromEntries(state.set) });
  if (!answer.ok) {
    box.replaceChildren(el("div", { class: "error", text: answer.data.error }));
    return;
  }
  const o = answer.data.outcome;
  const bars = (o ? o.bars : []).slice(0, 12);
  const w = 640, rowH = 18, left = 260, h = bars.length * rowH + 24;
  const all = bars.flatMap((b) => [b.at_p10, b.at_p90]).concat([o ? o.base : 0]);
  const lo = Math.min(...all), hi = Math.max(...all);
  const span = hi - lo || 0.01;
  const x = (v) => left + (v - lo) / span * (w - left - 130);
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "tornado" });
  bars.forEach((b, i) => {
    const a = Math.min(b.at_p10, b.at_p90), c = Math.max(b.at_p10, b.at_p90);
    svg.append(svgText(left - 6, 14 + i * rowH, b.parameter, "end"));
    svg.append(svgEl("rect", { x: x(a), y: 4 + i * rowH, width: Math.max(1, x(c) - x(a)), height: rowH - 6, fill: b.at_p90 >= b.at_p10 ? "#7ea6e0" : "#e0a07e" }));
    svg.append(svgText(x(c) + 3, 14 + i * rowH, pct(b.at_p10) + " → " + pct(b.at_p90)));
  });
  if (o) svg.append(svgEl("line", { x1: x(o.base), x2: x(o.base), y1: 0, y2: h - 18, stroke: "#333" }));
  box.replaceChildren(
    el("div", {}, [el("strong", { text: t("tornado", { t: target.label, n: thousands(answer.data.paths) }) }), document.createTextNode(" "), el("button", { type: "button", text: t("close"), onclick: () => { box.hidden = true; } })]),
    svg,
  );
  box.scrollIntoView({ block: "nearest" });
}

// ---- save -------------------------------------------------------------------

async function save(overwrite) {
  const name = document.getElementById("save-name").value.trim();
  const payload = { name, set: Object.fromEntries(state.set), paths: chosenPaths(), seed: chosenSeed(), overwrite: !!overwrite };
  const answer = await post("/api/save", payload);
  if (answer.ok) {
    state.saved = answer.data;
    status("saved", { file: answer.data.path });
  } else if (answer.data.exists && !overwrite) {
    if (window.confirm(t("replace", { file: name + ".toml" }))) save(true);
  } else {
    statusError(answer.data.error);
  }
}

// ---- language and start -------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.getElementById("lang").textContent = state.lang === "zh" ? "English" : "中文";
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  buildControls();
  if (state.last) render(state.last);
  if (state.status) status(state.status.key, state.status.vars, state.status.error);
}

function randomChannel() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return "tab-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function start() {
  status("loading", {});
  state.channel = randomChannel();
  const r = await fetch("/api/scenario");
  state.info = await r.json();
  document.getElementById("title").textContent = state.info.title;
  document.getElementById("subtitle").textContent = state.info.name + " · " + state.info.base_year + "–" + state.info.end_year;
  const select = document.getElementById("paths");
  const options = [state.info.coarse_paths, 50000, 200000, 1000000].filter((n) => n <= state.info.max_paths);
  for (const n of options) select.append(el("option", { value: n, text: thousands(n) }));
  select.value = options.includes(50000) ? 50000 : options[0];
  document.getElementById("seed").value = state.info.seed;
  document.getElementById("save-name").value = state.info.name + "-whatif";
  select.addEventListener("change", schedule);
  document.getElementById("seed").addEventListener("change", () => { state.base = null; schedule(); });
  document.getElementById("reset").addEventListener("click", () => {
    state.set.clear();
    state.positions.clear();
    buildControls();
    schedule();
  });
  document.getElementById("save").addEventListener("click", () => save(false));
  document.getElementById("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    applyLanguage();
  });
  applyLanguage();
  schedule();
}

start().catch((e) => statusError(String(e)));
