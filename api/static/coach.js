// Feedback Coach page: posts the draft to /v1/critique/stream and renders the SSE events.
// Every piece of user or model text goes through textContent: nothing is parsed as HTML.
"use strict";

(function () {
  const I18N = {
    en: {
      title: "Feedback Coach", draftLabel: "Your feedback draft",
      draftHint: "English, Chinese or both. Nothing leaves this server.",
      ratingLabel: "Rating (optional)", ratingNone: "none", noLlm: "Quick check (no model)",
      apiKey: "API key", submit: "Coach this draft", verdicts: "Verdicts",
      draftFindings: "Your draft, with findings",
      markHint: "Hover or tab to a highlighted passage to see why.",
      critique: "Coaching", guidance: "Guidance behind it", actions: "Development actions",
      rewrite: "Suggested rewrite",
      rewriteHint: "Changes against your draft; [brackets] mark evidence only you can supply.",
      copy: "Copy rewrite", copied: "Copied", degraded:
        "A model step failed or was rejected by the checks, so a fallback was used. The verdicts are unaffected.",
      specific: "specific", balanced: "balanced", actionable: "actionable",
      behavior_focused: "about behaviour", unbiased: "unbiased",
      specificity: "specificity", balance: "balance", actionability: "actionability",
      analyzing: "Analyzing…", writing: "Writing the coaching…", done: "Done.",
      empty: "Paste a draft first.", tooLong: "The draft is too long.",
      failed: "Something went wrong: ", noCritique: "(no model critique)",
      suggestion: "Try: ", source: "source", timeframe: "timeframe", progress: "progress",
      retry: "The first rewrite was rejected by the checks; rewriting…",
      pass: "pass", fail: "needs work", practise: "Practise the conversation",
    },
    zh: {
      title: "反馈教练", draftLabel: "你的反馈草稿", draftHint: "中文、英文或中英混合。内容不会离开本服务器。",
      ratingLabel: "评分（可选）", ratingNone: "无", noLlm: "快速检查（不用模型）",
      apiKey: "API 密钥", submit: "开始辅导", verdicts: "评估结果",
      draftFindings: "草稿与发现的问题", markHint: "将鼠标悬停或用 Tab 键移到高亮处查看原因。",
      critique: "辅导意见", guidance: "依据的指导", actions: "发展行动", rewrite: "建议的改写",
      rewriteHint: "与草稿的差异；[方括号] 表示需要你补充的事实。", copy: "复制改写", copied: "已复制",
      degraded: "某个模型步骤失败或未通过检查，已使用备用结果。评估结果不受影响。",
      specific: "具体", balanced: "平衡", actionable: "可执行", behavior_focused: "关注行为",
      unbiased: "无偏见", specificity: "具体性", balance: "平衡性", actionability: "可执行性",
      analyzing: "分析中…", writing: "正在生成辅导意见…", done: "完成。", empty: "请先粘贴草稿。",
      tooLong: "草稿太长。", failed: "出错了：", noCritique: "（没有模型生成的点评）",
      suggestion: "建议：", source: "来源", timeframe: "时间", progress: "进展标志",
      retry: "第一次改写未通过检查，正在重写…", pass: "通过", fail: "待改进", practise: "练习面谈",
    },
  };
  const VERDICTS = ["specific", "balanced", "actionable", "behavior_focused"];
  const PLACEHOLDER = /^(\[[^\[\]\n]{1,120}\]|【[^】\n]{1,120}】)$/u;
  // Diff tokens: a placeholder, one CJK character, a run of spaces, a word, or one mark.
  const TOKEN = /\[[^\[\]\n]{1,120}\]|【[^】\n]{1,120}】|[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]|\s+|[^\s\p{P}\p{S}\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+|[\s\S]/gu;

  const $ = (id) => document.getElementById(id);
  const app = $("app");
  const requiresKey = app.dataset.requiresKey === "true";
  const maxChars = Number(app.dataset.maxChars) || 20000;
  let lang = "en";
  let langChosen = false;
  let current = null;   // state of the run being shown
  let controller = null;

  function t(key) { return (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key; }

  const el = window.CoachUI.el;

  function setLang(next, chosen) {
    lang = next;
    if (chosen) langChosen = true;
    document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const b of document.querySelectorAll(".lang-switch button")) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === next));
    }
    if (current && current.analysis) renderAnalysis(current.analysis);
    if (current && current.actions) renderActions(current.actions);
    if (current && current.guidance) renderGuidance(current.guidance);
  }

  function status(text, isError) {
    const s = $("status");
    s.textContent = text;
    s.classList.toggle("error", Boolean(isError));
  }

  // -- rendering -------------------------------------------------------------------------

  function renderAnalysis(a) {
    const badges = $("badges");
    badges.replaceChildren();
    const biased = a.findings.some((f) => f.kind === "biased_language");
    const items = VERDICTS.map((v) => [v, Boolean(a.verdicts[v])]).concat([["unbiased", !biased]]);
    for (const [name, ok] of items) {
      badges.append(el("li", { class: "badge " + (ok ? "ok" : "bad"), "data-verdict": name },
        el("span", { "aria-hidden": "true", text: ok ? "✔ " : "✘ " }),
        el("span", { text: t(name) }),
        el("span", { class: "sr-only", text: " — " + (ok ? t("pass") : t("fail")) })));
    }
    const scores = $("scores");
    scores.replaceChildren();
    for (const k of ["specificity", "balance", "actionability"]) {
      const value = a.scores[k];
      scores.append(el("div", { class: "score" }, el("dt", { text: t(k) }),
        el("dd", {}, el("meter", { min: "0", max: "100", value: String(value), "aria-label": t(k) }),
          el("span", { text: " " + value + "/100" }))));
    }
    renderMarked(current.text, a.findings);
  }

  function renderMarked(text, findings) {
    const box = $("marked");
    box.replaceChildren();
    box.lang = current.analysis && current.analysis.language === "zh" ? "zh-CN" : "";
    const spans = findings
      .map((f, i) => ({ f, i }))
      .filter(({ f }) => f.start !== null && f.end !== null && f.end > f.start)
      .sort((x, y) => x.f.start - y.f.start || y.f.end - x.f.end);
    let pos = 0;
    for (const { f, i } of spans) {
      if (f.start < pos) continue;   // overlapping span: its finding is still listed below
      if (f.start > pos) box.append(document.createTextNode(text.slice(pos, f.start)));
      const tipId = "tip-" + i;
      const mark = el("mark", { class: "finding k-" + f.kind, tabindex: "0",
        "aria-describedby": tipId, "data-kind": f.kind, text: text.slice(f.start, f.end) });
      const tip = el("span", { class: "tip", role: "tooltip", id: tipId },
        el("strong", { text: f.kind.replace(/_/g, " ") + ": " }),
        document.createTextNode(f.message + " "),
        el("em", { text: t("suggestion") + f.suggestion }));
      box.append(el("span", { class: "fwrap" }, mark, tip));
      pos = f.end;
    }
    if (pos < text.length) box.append(document.createTextNode(text.slice(pos)));
    const list = $("doc-findings");
    list.replaceChildren();
    for (const f of findings) {
      if (f.start !== null && f.end !== null) continue;
      list.append(el("li", { "data-kind": f.kind },
        el("strong", { text: f.kind.replace(/_/g, " ") + ": " }),
        document.createTextNode(f.message + " "), el("em", { text: t("suggestion") + f.suggestion })));
    }
  }

  function renderGuidance(items) {
    const list = $("guidance");
    list.replaceChildren();
    for (const g of items) {
      const title = g.title + (g.heading ? " › " + g.heading : "");
      list.append(el("li", {}, el("strong", { text: title }),
        el("span", { class: "source", text: " (" + t("source") + ": " + g.source + ")" }),
        el("p", { text: g.excerpt })));
    }
  }

  function renderActions(items) {
    const list = $("actions");
    list.replaceChildren();
    for (const a of items) {
      list.append(el("li", {}, el("strong", { text: a.title }),
        el("span", { class: "meta", text: " · " + a.type + " · " + t("timeframe") + ": " + a.timeframe }),
        el("p", { text: a.rationale }),
        a.progress_signal ? el("p", { class: "meta", text: t("progress") + ": " + a.progress_signal }) : null));
    }
  }

  function tokens(s) { return s.match(TOKEN) || []; }

  // Token diff (LCS). CJK text is split per character, other text per word and space.
  function diff(a, b) {
    const n = a.length, m = b.length;
    if (n * m > 4000000) return null;
    const w = m + 1;
    const dp = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        dp[i * w + j] = a[i] === b[j] ? dp[(i + 1) * w + j + 1] + 1
          : Math.max(dp[(i + 1) * w + j], dp[i * w + j + 1]);
      }
    }
    const ops = [];
    let i = 0, j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) { ops.push(["=", b[j]]); i++; j++; }
      else if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) { ops.push(["-", a[i]]); i++; }
      else { ops.push(["+", b[j]]); j++; }
    }
    while (i < n) ops.push(["-", a[i++]]);
    while (j < m) ops.push(["+", b[j++]]);
    return ops;
  }

  function renderRewrite(text, final) {
    const box = $("rewrite");
    box.replaceChildren();
    if (!final) { box.textContent = text; return; }
    const ops = diff(tokens(current.text), tokens(text)) || tokens(text).map((x) => ["=", x]);
    for (const [op, tok] of ops) {
      let node;
      if (PLACEHOLDER.test(tok) && op !== "-") node = el("span", { class: "placeholder", text: tok });
      else node = document.createTextNode(tok);
      if (op === "+") box.append(el("ins", {}, node));
      else if (op === "-") box.append(el("del", {}, node));
      else box.append(node);
    }
    $("copy").disabled = !text;
  }

  // -- the stream ------------------------------------------------------------------------

  function handle(event, data) {
    switch (event) {
      case "analysis":
        current.analysis = data;
        if (!langChosen) setLang(data.language === "zh" ? "zh" : "en", false);
        $("results").hidden = false;
        renderAnalysis(data);
        status(current.noLlm ? t("analyzing") : t("writing"));
        break;
      case "guidance":
        current.guidance = data.guidance;
        renderGuidance(data.guidance);
        break;
      case "critique":
        if (data.reset) current.critique = data.text || "";
        else current.critique += data.delta;
        $("critique").textContent = current.critique || (data.reset ? t("noCritique") : "");
        break;
      case "development_actions":
        current.actions = data.development_actions;
        renderActions(data.development_actions);
        break;
      case "rewrite":
        if (data.reset) current.rewrite = data.text || "";
        else current.rewrite += data.delta;
        if (data.retry) status(t("retry"));
        renderRewrite(current.rewrite, false);
        break;
      case "done":
        current.result = data;
        current.rewrite = data.rewrite || "";
        $("critique").textContent = data.critique || t("noCritique");
        renderGuidance(data.guidance);
        renderActions(data.development_actions);
        renderRewrite(current.rewrite, true);
        $("degraded").hidden = !data.degraded;
        status(t("done"));
        break;
      case "error":
        status(t("failed") + (data.error ? data.error.message : ""), true);
        break;
      default:
        break;
    }
  }

  function parseFrame(frame) {
    let event = "message";
    const data = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (!data.length) return;
    handle(event, JSON.parse(data.join("\n")));
  }

  async function submit(ev) {
    ev.preventDefault();
    const text = $("draft").value;
    if (!text.trim()) { status(t("empty"), true); $("draft").focus(); return; }
    if (text.length > maxChars) { status(t("tooLong"), true); return; }
    if (controller) controller.abort();
    controller = new AbortController();
    const rating = $("rating").value;
    const noLlm = $("no-llm").checked;
    current = { text, noLlm, critique: "", rewrite: "" };
    for (const id of ["badges", "scores", "marked", "doc-findings", "guidance", "actions", "rewrite"]) {
      $(id).replaceChildren();
    }
    $("critique").textContent = "";
    $("copy").disabled = true;
    $("degraded").hidden = true;
    status(t("analyzing"));
    const headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
    if (requiresKey) {
      const key = $("api-key").value.trim();
      if (key) { sessionStorage.setItem("coach-api-key", key); headers.Authorization = "Bearer " + key; }
    }
    const body = { text, no_llm: noLlm };
    if (rating) body.rating = Number(rating);
    let response;
    try {
      response = await fetch("/v1/critique/stream", {
        method: "POST", headers, body: JSON.stringify(body), signal: controller.signal,
      });
    } catch (err) {
      if (err.name !== "AbortError") status(t("failed") + err.message, true);
      return;
    }
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { const j = await response.json(); if (j.error) message = j.error.message; } catch (e) { /* keep */ }
      status(t("failed") + message, true);
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) !== -1) {
          parseFrame(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
      if (buffer.trim()) parseFrame(buffer);
    } catch (err) {
      if (err.name !== "AbortError") status(t("failed") + err.message, true);
    }
  }

  async function copyRewrite() {
    const text = current && current.rewrite;
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const area = el("textarea", { class: "sr-only" });
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    status(t("copied"));
  }

  // While the manager pastes, types or picks a rating, send the draft once they pause, so
  // the server can read its critique prompt into the model's cache before "Coach" is
  // pressed (POST /v1/critique/prime; the server only does it while the model is idle).
  const PRIME_PAUSE_MS = 800;
  let primeTimer = null;
  let primedKey = "";
  function schedulePrime() {
    clearTimeout(primeTimer);
    primeTimer = setTimeout(sendPrime, PRIME_PAUSE_MS);
  }
  function sendPrime() {
    const text = $("draft").value;
    const rating = $("rating").value;
    const key = rating + "\u0000" + text;
    if (!text.trim() || text.length > maxChars || $("no-llm").checked || key === primedKey) return;
    primedKey = key;
    const headers = { "Content-Type": "application/json" };
    if (requiresKey) {
      const apiKey = $("api-key").value.trim();
      if (!apiKey) return;
      headers.Authorization = "Bearer " + apiKey;
    }
    const body = { text };
    if (rating) body.rating = Number(rating);
    fetch("/v1/critique/prime", { method: "POST", headers, body: JSON.stringify(body) })
      .catch(() => { /* an optimisation only: the critique works without it */ });
  }
  $("draft").addEventListener("input", schedulePrime);
  $("rating").addEventListener("change", schedulePrime);

  $("draft-form").addEventListener("submit", (ev) => { clearTimeout(primeTimer); submit(ev); });
  $("copy").addEventListener("click", copyRewrite);
  for (const b of document.querySelectorAll(".lang-switch button")) {
    b.addEventListener("click", () => setLang(b.dataset.lang, true));
  }
  if (requiresKey) {
    const saved = sessionStorage.getItem("coach-api-key");
    if (saved) $("api-key").value = saved;
  }
  const preferred = (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
  setLang(preferred, false);
})();
