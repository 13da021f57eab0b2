// Role-play practice page: starts a session, streams each persona reply from
// /v1/roleplay/sessions/{id}/turns/stream (fetch + ReadableStream), shows the hint, tags and
// trust/stress beside each turn, and renders the debrief. The session id lives in
// sessionStorage, so a reload resumes the conversation from its saved transcript.
// Every piece of user or model text goes through textContent: nothing is parsed as HTML.
"use strict";

(function () {
  const I18N = {
    en: {
      title: "Practise the review conversation", back: "Check a draft",
      setup: "Choose a conversation", scenario: "Scenario", language: "Language",
      draftLabel: "Your written feedback (optional)",
      draftHint: "Paste it and the employee will challenge its labels and vague verdicts.",
      ratingLabel: "Rating given (optional)", ratingNone: "none", apiKey: "API key",
      start: "Start the conversation", messageLabel: "What do you say?",
      messageHint: "Enter sends; Shift+Enter starts a new line.", send: "Send",
      debrief: "Debrief", end: "End and delete", debriefTitle: "Debrief",
      rubric: "Rubric scores", dimension: "Dimension", score: "Score (1-5)",
      evidence: "What you said", doDifferently: "Three things to do differently",
      revised: "Revised draft",
      revisedHint: "Built only from your draft and what you said; [brackets] mark what only you can supply.",
      plan: "Development plan", you: "You", trust: "Trust", stress: "Stress",
      starting: "Starting…", resuming: "Resuming your conversation…", thinking: "…",
      replying: "Replying…", ready: "Your turn.", scoring: "Scoring the conversation…",
      scored: "Debrief ready.", ended: "Session deleted.", empty: "Type what you would say first.",
      tooLong: "That message is too long.", failed: "Something went wrong: ",
      expired: "That session has expired or was deleted; start a new one.",
      degraded: "(a fallback line: the model failed or was rejected)",
      noQuotes: "(nothing you said moved this score)", hintLabel: "Hint",
      needKey: "Enter your API key first.",
      tags: {
        open_question: "open question", acknowledges_feelings: "acknowledges feelings",
        cites_evidence: "cites evidence", personality_label: "personality label",
        dismisses_or_interrupts: "dismisses or interrupts",
        next_step_owner_date: "next step with owner and date", next_step_partial: "next step (partial)",
        vague_claim: "vague claim", instruction_to_ai: "instruction to an AI",
      },
    },
    zh: {
      title: "练习绩效面谈", back: "检查草稿", setup: "选择面谈场景", scenario: "场景", language: "语言",
      draftLabel: "你的书面反馈（可选）", draftHint: "粘贴后，员工会质疑其中的标签和笼统评价。",
      ratingLabel: "给出的评分（可选）", ratingNone: "无", apiKey: "API 密钥", start: "开始面谈",
      messageLabel: "你要说什么？", messageHint: "按 Enter 发送；Shift+Enter 换行。", send: "发送",
      debrief: "复盘", end: "结束并删除", debriefTitle: "复盘", rubric: "评分", dimension: "维度",
      score: "分数（1-5）", evidence: "你说过的话", doDifferently: "下次可以改进的三点",
      revised: "修改后的草稿", revisedHint: "只根据你的草稿和你说过的话生成；[方括号] 表示需要你补充的内容。",
      plan: "发展计划", you: "你", trust: "信任", stress: "压力", starting: "正在开始…",
      resuming: "正在恢复你的面谈…", thinking: "…", replying: "对方回应中…", ready: "轮到你了。",
      scoring: "正在评分…", scored: "复盘完成。", ended: "会话已删除。", empty: "请先输入你要说的话。",
      tooLong: "这条消息太长了。", failed: "出错了：", expired: "该会话已过期或被删除，请重新开始。",
      degraded: "（备用回复：模型失败或未通过检查）", noQuotes: "（没有影响此项分数的发言）",
      hintLabel: "提示", needKey: "请先输入 API 密钥。",
      tags: {
        open_question: "开放式提问", acknowledges_feelings: "回应情绪", cites_evidence: "举出事例",
        personality_label: "性格标签", dismisses_or_interrupts: "否定或打断",
        next_step_owner_date: "明确负责人和日期的下一步", next_step_partial: "下一步（不完整）",
        vague_claim: "笼统评价", instruction_to_ai: "对 AI 的指令",
      },
    },
  };
  const GOOD = new Set(["open_question", "acknowledges_feelings", "cites_evidence",
    "next_step_owner_date", "next_step_partial"]);
  const SESSION_KEY = "coach-roleplay-session";
  const KEY_KEY = "coach-api-key";

  const $ = (id) => document.getElementById(id);
  const app = $("app");
  const requiresKey = app.dataset.requiresKey === "true";
  const maxMessage = Number(app.dataset.maxMessage) || 2000;
  let lang = "en";
  let session = null;   // {id, scenario, language}
  let busy = false;
  let lastDebrief = null;

  function t(key) { return (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key; }
  function tagName(tag) { return (I18N[lang].tags || {})[tag] || tag.replace(/_/g, " "); }

  const el = window.CoachUI.el;

  function setStatus(id, text, isError) {
    const s = $(id);
    s.textContent = text;
    s.classList.toggle("error", Boolean(isError));
  }
  const status = (text, isError) => setStatus("status", text, isError);

  function setLang(next) {
    lang = next === "zh" ? "zh" : "en";
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const b of document.querySelectorAll(".lang-switch button")) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
    }
    for (const opt of $("scenario").options) opt.textContent = opt.dataset[lang] || opt.dataset.en;
    if (session) showHeader();
    for (const node of document.querySelectorAll(".tag[data-tag]")) node.textContent = tagName(node.dataset.tag);
    for (const node of document.querySelectorAll("[data-label]")) node.textContent = t(node.dataset.label);
    if (lastDebrief) renderDebrief(lastDebrief);
  }

  function scenarioOption(id) {
    return Array.from($("scenario").options).find((o) => o.value === id) || null;
  }

  function personaOf(id, language) {
    const opt = scenarioOption(id);
    const who = opt ? (opt.dataset["persona" + (language === "zh" ? "Zh" : "En")] || "") : "";
    return { full: who, name: who.split(/[,，]/)[0] || "" };
  }

  function showHeader() {
    const opt = scenarioOption(session.scenario);
    $("scenario-title").textContent = opt ? (opt.dataset[session.language] || opt.value) : session.scenario;
    $("persona").textContent = personaOf(session.scenario, session.language).full;
  }

  function headers() {
    const h = { "Content-Type": "application/json" };
    if (requiresKey) {
      const key = ($("api-key") && $("api-key").value.trim()) || sessionStorage.getItem(KEY_KEY) || "";
      if (key) { sessionStorage.setItem(KEY_KEY, key); h.Authorization = "Bearer " + key; }
    }
    return h;
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await apiError(response);
    return response.status === 204 ? null : response.json();
  }

  async function apiError(response) {
    let message = response.status + " " + response.statusText;
    let code = "";
    try {
      const j = await response.json();
      if (j.error) { message = j.error.message; code = j.error.code; }
    } catch (e) { /* keep the status line */ }
    const err = new Error(message);
    err.status = response.status;
    err.code = code;
    return err;
  }

  // -- rendering -------------------------------------------------------------------------

  function meters(state) {
    const box = el("div", { class: "meters" });
    for (const k of ["trust", "stress"]) {
      const value = Number(state[k]);
      box.append(el("span", { class: "meter m-" + k },
        el("span", { "data-label": k, text: t(k) }),
        el("meter", { min: "0", max: "100", low: "34", high: "67",
          optimum: k === "trust" ? "100" : "0", value: String(value), "aria-label": t(k) }),
        el("span", { class: "num", text: String(value) })));
    }
    return box;
  }

  function setNow(state) { $("now").replaceChildren(...meters(state).childNodes); }

  function line(speaker, text) {
    const who = speaker === "manager" ? t("you") : personaOf(session.scenario, session.language).name;
    const p = el("p", { class: "line " + speaker });
    p.lang = session.language === "zh" ? "zh-CN" : "en";
    const label = el("span", { class: "who", text: who });
    if (speaker === "manager") label.setAttribute("data-label", "you");
    p.append(label, document.createTextNode(": "), el("span", { class: "text", text }));
    return p;
  }

  function notes(hint, tags, state) {
    const aside = el("aside", { class: "notes" });
    if (hint) {
      aside.append(el("p", { class: "hint-line" },
        el("strong", { "data-label": "hintLabel", text: t("hintLabel") }),
        document.createTextNode(": " + hint)));
    }
    if (tags && tags.length) {
      const list = el("ul", { class: "tags" });
      for (const tag of tags) {
        list.append(el("li", { class: "tag " + (GOOD.has(tag) ? "good" : "bad"), "data-tag": tag,
          text: tagName(tag) }));
      }
      aside.append(list);
    }
    aside.append(meters(state));
    return aside;
  }

  // One <li> per exchange: the manager's line (none for the opening) and the reply, with
  // the coaching notes beside them.
  function addTurn(manager, persona, info) {
    const lines = el("div", { class: "lines" });
    if (manager !== null) lines.append(line("manager", manager));
    const reply = line("persona", persona || "");
    lines.append(reply);
    const item = el("li", { class: "turn" }, lines);
    if (info) item.append(notes(info.hint, info.tags, info.state));
    $("log").append(item);
    item.scrollIntoView({ block: "nearest" });
    return { item, reply: reply.querySelector(".text") };
  }

  function renderTranscript(data) {
    $("log").replaceChildren();
    const lines = data.transcript;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.speaker === "persona" && i === 0) {
        addTurn(null, l.text, { hint: null, tags: [], state: l.state });
      } else if (l.speaker === "manager") {
        const reply = lines[i + 1] && lines[i + 1].speaker === "persona" ? lines[i + 1] : null;
        const turn = addTurn(l.text, reply ? reply.text : "", { hint: l.hint, tags: l.tags, state: l.state });
        if (reply && reply.source === "fallback") turn.item.classList.add("degraded");
        if (reply) i++;
      }
    }
    setNow(data.state);
  }

  function renderDebrief(d) {
    lastDebrief = d;
    $("summary").textContent = d.summary || "";
    const body = $("rubric").querySelector("tbody");
    body.replaceChildren();
    for (const r of d.rubric) {
      const quotes = el("ul", { class: "quotes" });
      for (const q of r.evidence) {
        quotes.append(el("li", { class: q.effect === "+" ? "plus" : "minus" },
          el("span", { "aria-hidden": "true", text: q.effect === "+" ? "+ " : "− " }),
          el("q", { text: q.text }),
          el("span", { class: "tag " + (q.effect === "+" ? "good" : "bad"), "data-tag": q.tag,
            text: tagName(q.tag) })));
      }
      if (!r.evidence.length) quotes.append(el("li", { class: "none", text: t("noQuotes") }));
      body.append(el("tr", { "data-dimension": r.dimension },
        el("th", { scope: "row", text: r.name }),
        el("td", { class: "score" },
          el("meter", { min: "1", max: "5", low: "2.5", high: "3.5", optimum: "5",
            value: String(r.score), "aria-label": r.name }),
          el("span", { class: "num", text: " " + r.score + "/5" })),
        el("td", {}, quotes)));
    }
    const advice = $("do-differently");
    advice.replaceChildren(...d.do_differently.map((a) => el("li", { text: a })));
    $("revised").textContent = d.revised_draft;
    $("plan").replaceChildren(...d.development_plan.map((p) => el("li", { text: p })));
    $("debrief-view").hidden = false;
  }

  // -- flows -----------------------------------------------------------------------------

  function showChat(on) {
    $("setup").hidden = on;
    $("chat").hidden = !on;
    if (!on) { $("debrief-view").hidden = true; lastDebrief = null; }
  }

  function forget() {
    sessionStorage.removeItem(SESSION_KEY);
    session = null;
    $("log").replaceChildren();
    showChat(false);
  }

  function remember() { sessionStorage.setItem(SESSION_KEY, JSON.stringify(session)); }

  async function startSession(ev) {
    ev.preventDefault();
    if (busy) return;
    if (requiresKey && !headers().Authorization) { setStatus("setup-status", t("needKey"), true); return; }
    const body = { scenario: $("scenario").value, language: $("language").value };
    const draft = $("draft").value;
    if (draft.trim()) body.draft = draft;
    if ($("rating").value) body.rating = Number($("rating").value);
    busy = true;
    setStatus("setup-status", t("starting"));
    try {
      const created = await api("POST", "/v1/roleplay/sessions", body);
      session = { id: created.session_id, scenario: created.scenario, language: created.language };
      remember();
      setLang(created.language);
      showHeader();
      $("log").replaceChildren();
      addTurn(null, created.opening, { hint: null, tags: [], state: created.state });
      setNow(created.state);
      showChat(true);
      setStatus("setup-status", "");
      status(t("ready"));
      $("message").focus();
    } catch (err) {
      setStatus("setup-status", t("failed") + err.message, true);
    } finally {
      busy = false;
    }
  }

  async function resume() {
    let saved;
    try { saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.id) return;
    session = saved;
    setLang(session.language);
    showHeader();
    showChat(true);
    status(t("resuming"));
    try {
      const data = await api("GET", "/v1/roleplay/sessions/" + encodeURIComponent(session.id));
      renderTranscript(data);
      status(t("ready"));
    } catch (err) {
      if (err.status === 404) { forget(); setStatus("setup-status", t("expired"), true); }
      else status(t("failed") + err.message, true);
    }
  }

  function parseFrames(buffer, handle) {
    let cut;
    while ((cut = buffer.indexOf("\n\n")) !== -1) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const l of frame.split("\n")) {
        if (l.startsWith("event:")) event = l.slice(6).trim();
        else if (l.startsWith("data:")) data.push(l.slice(5).replace(/^ /, ""));
      }
      if (data.length) handle(event, JSON.parse(data.join("\n")));
    }
    return buffer;
  }

  async function sendMessage(ev) {
    ev.preventDefault();
    if (busy || !session) return;
    const message = $("message").value;
    if (!message.trim()) { status(t("empty"), true); $("message").focus(); return; }
    if (message.length > maxMessage) { status(t("tooLong"), true); return; }
    busy = true;
    $("send").disabled = true;
    status(t("replying"));
    const turn = addTurn(message, "", null);
    $("log").setAttribute("aria-busy", "true");   // read the reply once, when it is complete
    turn.reply.textContent = t("thinking");
    turn.reply.parentNode.classList.add("pending");
    let reply = "";
    let finished = false;
    const handle = (event, data) => {
      if (event === "turn") {
        turn.item.append(notes(data.hint, data.tags, data.state));
        setNow(data.state);
      } else if (event === "delta") {
        reply += data.text;
        turn.reply.textContent = reply;
        turn.reply.parentNode.classList.remove("pending");
      } else if (event === "reset") {
        reply = "";
        turn.reply.textContent = t("thinking");
      } else if (event === "done") {
        finished = true;
        turn.reply.textContent = data.reply;
        turn.reply.parentNode.classList.remove("pending");
        if (data.degraded) {
          turn.item.classList.add("degraded");
          turn.item.querySelector(".lines").append(el("p", { class: "hint", text: t("degraded") }));
        }
        setNow(data.state);
        status(t("ready"));
      } else if (event === "error") {
        status(t("failed") + (data.error ? data.error.message : ""), true);
      }
    };
    try {
      const response = await fetch("/v1/roleplay/sessions/" + encodeURIComponent(session.id) + "/turns/stream", {
        method: "POST", headers: { ...headers(), Accept: "text/event-stream" },
        body: JSON.stringify({ message }),
      });
      if (!response.ok) {
        const err = await apiError(response);
        turn.item.remove();
        if (err.status === 404) { forget(); setStatus("setup-status", t("expired"), true); return; }
        status(t("failed") + err.message, true);
        return;
      }
      $("message").value = "";
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = parseFrames(buffer + value.replace(/\r\n?/g, "\n"), handle);
      }
      parseFrames(buffer + "\n\n", handle);
      if (!finished) turn.item.classList.add("failed");
    } catch (err) {
      status(t("failed") + err.message, true);
    } finally {
      busy = false;
      $("log").setAttribute("aria-busy", "false");
      $("send").disabled = false;
      $("message").focus();
    }
  }

  async function debrief() {
    if (busy || !session) return;
    busy = true;
    status(t("scoring"));
    try {
      const d = await api("POST", "/v1/roleplay/sessions/" + encodeURIComponent(session.id) + "/debrief");
      renderDebrief(d);
      status(t("scored"));
      $("debrief-view").focus();
    } catch (err) {
      if (err.status === 404) { forget(); setStatus("setup-status", t("expired"), true); }
      else status(t("failed") + err.message, true);
    } finally {
      busy = false;
    }
  }

  async function endSession() {
    if (busy || !session) return;
    try {
      await api("DELETE", "/v1/roleplay/sessions/" + encodeURIComponent(session.id));
    } catch (err) {
      if (err.status !== 404) { status(t("failed") + err.message, true); return; }
    }
    forget();
    setStatus("setup-status", t("ended"));
    $("scenario").focus();
  }

  $("setup").addEventListener("submit", startSession);
  $("turn-form").addEventListener("submit", sendMessage);
  $("message").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("turn-form").requestSubmit();
    }
  });
  $("debrief").addEventListener("click", debrief);
  $("end").addEventListener("click", endSession);
  $("language").addEventListener("change", () => setLang($("language").value));
  for (const b of document.querySelectorAll(".lang-switch button")) {
    b.addEventListener("click", () => setLang(b.dataset.lang));
  }
  if (requiresKey) {
    const saved = sessionStorage.getItem(KEY_KEY);
    if (saved) $("api-key").value = saved;
  }
  const preferred = (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
  $("language").value = preferred;
  setLang(preferred);
  resume();
})();
