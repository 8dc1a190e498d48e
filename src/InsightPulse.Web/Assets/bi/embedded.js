// BI: the embedded dashboard page (/embedded/<uuid>), the iframe side of Superset's embedded SDK.
//
// The host page's @superset-ui/embedded-sdk mounts this page in an iframe, then posts
// {type: "__embedded_comms__", handshake: "port transfer"} with a MessagePort to it. Both sides speak
// Switchboard on that port (messages {switchboardAction: "get"|"reply"|"emit"|"error", method, args, messageId}).
// The SDK emits "guestToken" ({guestToken}) first and again before the token expires; every API call here carries
// it in the X-GuestToken header. See docs/bi-embedding.md. Plain JS, no framework, nothing inline (strict CSP).
(() => {
  "use strict";

  const root = document.getElementById("bi-dashboard");
  if (!root) return;
  document.documentElement.classList.add("bi-embedded-page");

  const MESSAGE_TYPE = "__embedded_comms__";
  const LOCALE = "en-PH";
  const uuid = root.dataset.embeddedUuid || "";
  const tokenHeader = root.dataset.guestTokenHeader || "X-GuestToken";
  const allowedOrigins = (root.dataset.allowedDomains || "").split(/\s+/).filter(Boolean).map(originOf);
  const reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const PALETTE = ["#2451b7", "#2f9e8f", "#e0a030", "#8a63c9", "#d9604c", "#5b8def", "#6aa84f", "#c05a8e", "#7f8797", "#9db2dd"];

  // ---- URL parameters the SDK sets (uiConfig bit flags, show_filters, expand_filters) -----------------------------
  const params = new URLSearchParams(window.location.search);
  const uiBits = Number.parseInt(params.get("uiConfig") || "0", 10) || 0;
  const ui = {
    hideTitle: (uiBits & 1) !== 0,
    hideTab: (uiBits & 2) !== 0,
    hideNav: (uiBits & 4) !== 0,
    hideChartControls: (uiBits & 8) !== 0,
    emitDataMasks: (uiBits & 16) !== 0,
    showRowLimitWarning: (uiBits & 32) !== 0,
    showFilters: booleanParam("show_filters", true),
    expandFilters: booleanParam("expand_filters", true),
  };

  function booleanParam(name, fallback) {
    const value = params.get(name);
    if (value === null || value === "") return fallback;
    return !/^(false|0|no|off)$/i.test(value);
  }

  function originOf(domain) {
    try { return new URL(domain).origin; } catch { return domain; }
  }

  // ---- Small DOM helpers ------------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    refresh: "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7",
    download: "M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19h14",
    filter: "M4 5h16l-6 7.5V18l-4 2v-7.5z",
    alert: "M12 8v5m0 3.5v.01M10.3 3.9 2.6 17.2A2 2 0 0 0 4.3 20h15.4a2 2 0 0 0 1.7-2.8L13.7 3.9a2 2 0 0 0-3.4 0z",
    empty: "M4 19h16M7 15V9m5 6V5m5 10v-3",
    broken: "M9 3H5a2 2 0 0 0-2 2v4m6 12H5a2 2 0 0 1-2-2v-4m18-6V5a2 2 0 0 0-2-2h-4m6 12v4a2 2 0 0 1-2 2h-4M9 9l6 6m0-6-6 6",
    chevron: "m6 9 6 6 6-6",
    embed: "M8 9l-4 3 4 3m8-6 4 3-4 3M14 5l-4 14",
  };

  function icon(name, extraClass) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "bi-icon" + (extraClass ? " " + extraClass : ""));
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  let idCounter = 0;
  const nextId = (prefix) => `${prefix}-${++idCounter}`;

  // ---- Formatting ---------------------------------------------------------------------------------------------------
  const numberFormats = {
    currency: new Intl.NumberFormat(LOCALE, { style: "currency", currency: "PHP", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    currencyCompact: new Intl.NumberFormat(LOCALE, { style: "currency", currency: "PHP", notation: "compact", minimumFractionDigits: 0, maximumFractionDigits: 1 }),
    currencyBig: new Intl.NumberFormat(LOCALE, { style: "currency", currency: "PHP", notation: "compact", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    currencyWhole: new Intl.NumberFormat(LOCALE, { style: "currency", currency: "PHP", maximumFractionDigits: 0 }),
    percent: new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    percentCompact: new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 0 }),
    integer: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
    number: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 }),
    compact: new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 }),
    bigCompact: new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 2 }),
    signedPercent: new Intl.NumberFormat(LOCALE, { style: "percent", signDisplay: "exceptZero", maximumFractionDigits: 1 }),
  };

  /** Formats a value for a metric: format is number | integer | currency | percent; mode is full | axis | big. */
  function formatNumber(value, format, mode) {
    if (value === null || value === undefined || value === "") return "–";
    const n = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(n)) return String(value);
    const big = Math.abs(n) >= 1e6;
    switch (format) {
      case "currency":
        if (mode === "axis") return numberFormats.currencyCompact.format(n);
        if (mode === "big") return big ? numberFormats.currencyBig.format(n) : numberFormats.currencyWhole.format(n);
        return numberFormats.currency.format(n);
      case "percent":
        return (mode === "axis" ? numberFormats.percentCompact : numberFormats.percent).format(n);
      case "integer":
        if (mode === "axis" || (mode === "big" && big)) return (mode === "big" ? numberFormats.bigCompact : numberFormats.compact).format(n);
        return numberFormats.integer.format(n);
      default:
        if (mode === "axis" || (mode === "big" && big)) return (mode === "big" ? numberFormats.bigCompact : numberFormats.compact).format(n);
        return numberFormats.number.format(n);
    }
  }

  const dateFormats = {
    day: new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }),
    dayShort: new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", timeZone: "UTC" }),
    month: new Intl.DateTimeFormat(LOCALE, { month: "short", year: "numeric", timeZone: "UTC" }),
    minute: new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone: "UTC" }),
    clock: new Intl.DateTimeFormat(LOCALE, { hour: "numeric", minute: "2-digit" }),
    stamp: new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" }),
  };

  function grainOf(grain) {
    const g = String(grain || "").toLowerCase();
    if (/^pt1h$|hour/.test(g)) return "hour";
    if (/^pt\d+m$|minute/.test(g)) return "minute";
    if (/^p1w$|week/.test(g)) return "week";
    if (/^p1m$|^month/.test(g)) return "month";
    if (/^p3m$|quarter/.test(g)) return "quarter";
    if (/^p1y$|year/.test(g)) return "year";
    return "day";
  }

  /** ISO date or date-time string to a Date holding its wall-clock fields in UTC (offsets are ignored: labels show the data's own calendar). */
  function parseWallTime(value) {
    if (value instanceof Date) return value;
    if (typeof value === "number") return new Date(value);
    const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(String(value || ""));
    if (!m) return null;
    return new Date(Date.UTC(+m[1], +m[2] - 1, m[3] ? +m[3] : 1, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0));
  }

  /** A column's heading: a metric's label as written, a column name in words ("total_peso_value" → "Total peso value"). */
  function columnLabel(name) {
    if (!/^[a-z0-9_]+$/.test(name)) return name;
    const words = name.replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function formatTime(value, grain) {
    const d = parseWallTime(value);
    if (!d || Number.isNaN(d.getTime())) return value === null || value === undefined ? "–" : String(value);
    switch (grainOf(grain)) {
      case "year": return String(d.getUTCFullYear());
      case "quarter": return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${d.getUTCFullYear()}`;
      case "month": return dateFormats.month.format(d);
      case "week": return `Week of ${dateFormats.day.format(d)}`;
      case "hour": case "minute": return dateFormats.minute.format(d);
      default: return dateFormats.day.format(d);
    }
  }

  /** A server timestamp (cached_dttm): ISO, UTC when it carries no offset. */
  function parseInstant(value) {
    if (!value) return null;
    const text = String(value);
    const d = new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : text + "Z");
    return Number.isNaN(d.getTime()) ? null : d;
  }

  // ---- Switchboard (the protocol of @superset-ui/switchboard, both directions) ---------------------------------
  class Switchboard {
    constructor(port, name) {
      this.port = port;
      this.name = name;
      this.methods = new Map();
      this.pending = new Map();
      this.counter = 1;
      port.addEventListener("message", (event) => { this.receive(event.data); });
    }

    defineMethod(name, executor) { this.methods.set(name, executor); }

    async receive(message) {
      if (!message || typeof message !== "object") return;
      switch (message.switchboardAction) {
        case "get":
          this.port.postMessage(await this.answer(message));
          break;
        case "emit": {
          const executor = this.methods.get(message.method);
          if (!executor) return;
          try { await executor(message.args); } catch (error) { console.error(`[${this.name}]`, error); }
          break;
        }
        case "reply":
        case "error": {
          const waiter = this.pending.get(message.messageId);
          if (!waiter) return;
          this.pending.delete(message.messageId);
          if (message.switchboardAction === "reply") waiter.resolve(message.result);
          else waiter.reject(new Error(message.error || "Unexpected response message"));
          break;
        }
        default:
          break;
      }
    }

    async answer({ messageId, method, args }) {
      const executor = this.methods.get(method);
      if (!executor) return { switchboardAction: "error", messageId, error: `[${this.name}] Method "${method}" is not defined` };
      try {
        return { switchboardAction: "reply", messageId, result: await executor(args) };
      } catch (error) {
        console.error(`[${this.name}]`, error);
        return { switchboardAction: "error", messageId, error: `[${this.name}] Method "${method}" threw an error` };
      }
    }

    get(method, args) {
      return new Promise((resolve, reject) => {
        const messageId = `m_${this.name}_${this.counter++}`;
        this.pending.set(messageId, { resolve, reject });
        this.port.postMessage({ switchboardAction: "get", method, messageId, args });
      });
    }

    emit(method, args) { this.port.postMessage({ switchboardAction: "emit", method, args }); }

    start() { this.port.start(); }
  }

  // ---- State --------------------------------------------------------------------------------------------------------
  const state = {
    board: null,
    token: null,
    started: false,
    dashboard: null,
    activeTab: null,
    applied: {},        // filter key -> value: select: string[]; time_range: {from, to} (ISO dates, "to" inclusive)
    draft: {},
    filterValues: {},   // select filter key -> {status, values, error}
    generation: 0,      // bumps on refresh: charts loaded under an older one are stale
    views: new Map(),   // chart id -> ChartView
    authRefused: false,
    lastUpdated: null,
    refreshTimer: null,
    filtersOpen: ui.expandFilters,
  };

  const dom = {};

  // ---- API ------------------------------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, message, broken) {
      super(message);
      this.status = status;
      this.broken = Boolean(broken);
      this.auth = status === 401 || status === 403;
    }
  }

  async function api(path, options = {}) {
    const headers = { Accept: options.accept || "application/json" };
    if (state.token) headers[tokenHeader] = state.token;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method: options.method || "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
        credentials: "omit", // the guest token is the only credential of this page
        cache: "no-store",
      });
    } catch (error) {
      if (error && error.name === "AbortError") throw error;
      throw new ApiError(0, "The server could not be reached. Check the connection and try again.");
    }
    if (!response.ok) {
      let payload = null;
      try { payload = await response.json(); } catch { payload = null; }
      const fromServer = payload && typeof payload.message === "string" ? payload.message : null;
      const error = new ApiError(response.status, describeFailure(response.status, fromServer), payload && payload.broken === true);
      if (error.auth) onAuthRefused();
      throw error;
    }
    if (state.authRefused) onAuthRestored();
    return options.raw ? response : response.json();
  }

  function describeFailure(status, fromServer) {
    if (status === 401 || status === 403) {
      return "Access was refused: the guest token is missing, expired or not valid for this dashboard." + (fromServer ? ` (${fromServer})` : "");
    }
    if (fromServer) return fromServer;
    if (status === 404) return "Not found (404).";
    if (status >= 500) return `The server could not answer (${status}). Try again in a moment.`;
    return `The request failed (${status}).`;
  }

  // Up to four chart queries at a time; the rest wait their turn.
  const queue = [];
  let running = 0;
  function schedule(task) {
    return new Promise((resolve, reject) => {
      queue.push({ task, resolve, reject });
      pump();
    });
  }
  function pump() {
    while (running < 4 && queue.length > 0) {
      const { task, resolve, reject } = queue.shift();
      running++;
      Promise.resolve().then(task).then(resolve, reject).finally(() => { running--; pump(); });
    }
  }

  // ---- Filters --------------------------------------------------------------------------------------------------------
  function filterDefs() { return (state.dashboard && state.dashboard.native_filters) || []; }

  function isActive(def, value) {
    if (!value) return false;
    if (def.kind === "select") return Array.isArray(value) && value.length > 0;
    return Boolean(value.from || value.to);
  }

  function activeCount(values) {
    return filterDefs().filter((def) => isActive(def, values[def.key])).length;
  }

  function addDays(iso, days) {
    const d = parseWallTime(iso);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  /** extra_filters of /api/v1/chart/data: select -> in; time range -> >= from and < the day after "to" (the UI's "to" is inclusive). */
  function extraFilters(values = state.applied) {
    const out = [];
    for (const def of filterDefs()) {
      const value = values[def.key];
      if (!isActive(def, value) || !def.column) continue;
      if (def.kind === "select") out.push({ column: def.column, op: "in", values: value.slice() });
      else {
        if (value.from) out.push({ column: def.column, op: ">=", values: [value.from] });
        if (value.to) out.push({ column: def.column, op: "<", values: [addDays(value.to, 1)] });
      }
    }
    return out;
  }

  /** Superset's dataMask shape, keyed by filter: {id, extraFormData, filterState, ownState}. */
  function dataMask() {
    const mask = {};
    for (const def of filterDefs()) {
      const value = state.applied[def.key];
      const active = isActive(def, value);
      if (def.kind === "select") {
        mask[def.key] = {
          id: def.key,
          extraFormData: active ? { filters: [{ col: def.column, op: "IN", val: value.slice() }] } : {},
          filterState: { label: def.label, value: active ? value.slice() : null },
          ownState: {},
        };
      } else {
        const range = active ? `${value.from || "No filter"} : ${value.to ? addDays(value.to, 1) : "No filter"}` : null;
        mask[def.key] = {
          id: def.key,
          extraFormData: range ? { time_range: range, granularity_sqla: def.column } : {},
          filterState: { label: def.label, value: range },
          ownState: {},
        };
      }
    }
    return mask;
  }

  function sameValues(a, b) {
    return JSON.stringify(normalizeValues(a)) === JSON.stringify(normalizeValues(b));
  }
  function normalizeValues(values) {
    const out = {};
    for (const def of filterDefs()) {
      const v = values[def.key];
      if (!isActive(def, v)) continue;
      out[def.key] = def.kind === "select" ? v.slice().sort() : { from: v.from || "", to: v.to || "" };
    }
    return out;
  }

  function cloneValues(values) {
    const out = {};
    for (const [key, v] of Object.entries(values)) out[key] = Array.isArray(v) ? v.slice() : { ...v };
    return out;
  }

  // ---- Boot: wait for the SDK's port and token --------------------------------------------------------------------
  renderWaiting();

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || typeof data !== "object" || data.type !== MESSAGE_TYPE) return;
    if (allowedOrigins.length > 0 && !allowedOrigins.includes(event.origin)) {
      console.warn(`[bi] ignoring embedded message from origin "${event.origin}", which is not an allowed domain`);
      return;
    }
    const port = event.ports && event.ports[0];
    if (data.handshake !== "port transfer" || !port) return;
    if (state.board) { console.warn("[bi] the message port is already connected; ignoring a second handshake"); return; }
    connect(port);
  });

  const isTopLevel = !window.parent || window.parent === window;
  window.setTimeout(() => {
    if (state.board) return;
    if (isTopLevel) renderNotEmbedded();
  }, 1200);
  window.setTimeout(() => {
    if (!state.started && !isTopLevel) setWaitingText(state.board ? "Waiting for the host page to sign this dashboard in…" : "Waiting for the host page to connect…");
  }, 8000);

  function connect(port) {
    const board = new Switchboard(port, "superset");
    state.board = board;
    board.defineMethod("guestToken", ({ guestToken } = {}) => {
      if (typeof guestToken !== "string" || guestToken === "") return;
      const renewed = state.token !== null && state.token !== guestToken;
      state.token = guestToken;
      if (!state.started) { state.started = true; loadDashboard(); }
      else if (renewed && state.authRefused) retryAfterNewToken();
    });
    board.defineMethod("getScrollSize", () => scrollSize());
    board.defineMethod("getDashboardPermalink", ({ anchor } = {}) => permalink(anchor));
    board.defineMethod("getActiveTabs", () => (state.activeTab ? [state.activeTab] : []));
    board.defineMethod("getDataMask", () => dataMask());
    board.defineMethod("getChartStates", () => ({}));
    board.defineMethod("getChartDataPayloads", ({ chartId } = {}) => chartPayloads(chartId));
    board.defineMethod("setThemeConfig", () => ({ success: false, message: "This dashboard keeps its own theme", silent: true }));
    board.defineMethod("setThemeMode", ({ mode } = {}) => setThemeMode(mode));
    board.start();
  }

  function scrollSize() {
    const rect = root.getBoundingClientRect();
    return {
      width: Math.ceil(Math.max(document.documentElement.scrollWidth, rect.right + window.scrollX)),
      height: Math.ceil(rect.bottom + window.scrollY),
    };
  }

  function permalink(anchor) {
    const url = new URL(window.location.href);
    if (state.activeTab) url.searchParams.set("tab", state.activeTab);
    url.hash = anchor ? String(anchor) : "";
    return url.toString();
  }

  function chartPayloads(chartId) {
    const out = {};
    if (!state.dashboard) return out;
    for (const chart of state.dashboard.charts) {
      if (chartId !== undefined && chartId !== null && String(chart.id) !== String(chartId)) continue;
      out[chart.id] = { dashboard_id: state.dashboard.id, chart_id: chart.id, extra_filters: extraFilters() };
    }
    return out;
  }

  function setThemeMode(mode) {
    const dark = mode === "dark" || (mode === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
    if (mode !== "dark" && mode !== "default" && mode !== "system") return { success: false, message: `Invalid theme mode: ${mode}` };
    root.classList.toggle("bi-dark", dark);
    document.documentElement.classList.toggle("bi-dark-page", dark);
    for (const view of state.views.values()) view.redraw();
    return { success: true, message: `Theme mode set to ${mode}` };
  }

  // ---- Page states before the dashboard -----------------------------------------------------------------------------
  function renderWaiting() {
    root.classList.add("bi-app");
    root.setAttribute("aria-busy", "true");
    const cards = [6, 6, 4, 4, 4].map((w) => el("div", { class: "bi-card bi-card-skeleton", "data-width": w },
      el("div", { class: "bi-skel bi-skel-title" }), el("div", { class: "bi-skel bi-skel-block" })));
    dom.waitingText = el("p", { class: "bi-waiting-text", role: "status", text: "Loading dashboard…" });
    root.replaceChildren(
      el("div", { class: "bi-toolbar" }, el("div", { class: "bi-skel bi-skel-heading" })),
      dom.waitingText,
      el("div", { class: "bi-grid" }, cards));
  }

  function setWaitingText(text) {
    if (dom.waitingText && dom.waitingText.isConnected) dom.waitingText.textContent = text;
  }

  function renderNotEmbedded() {
    root.classList.add("bi-app");
    root.removeAttribute("aria-busy");
    root.replaceChildren(el("section", { class: "bi-message", role: "alert" },
      icon("embed", "bi-message-icon"),
      el("h1", { text: "This dashboard is embedded: open it from its host page" }),
      el("p", { text: "It is shown inside another page of your workspace, which signs you in to it. Opened on its own, it has no access to its data." })));
  }

  function renderFatal(error) {
    root.removeAttribute("aria-busy");
    const retry = el("button", { type: "button", class: "bi-btn bi-btn-primary", onclick: () => { renderWaiting(); loadDashboard(); } }, "Try again");
    root.replaceChildren(el("section", { class: "bi-message bi-message-error", role: "alert" },
      icon("alert", "bi-message-icon"),
      el("h1", { text: error.auth ? "Access to this dashboard was refused" : "This dashboard could not be loaded" }),
      el("p", { text: error.message }),
      error.auth ? el("p", { class: "bi-muted", text: "It loads again as soon as the host page sends a new guest token." }) : null,
      el("div", { class: "bi-actions" }, retry)));
  }

  // ---- Dashboard ------------------------------------------------------------------------------------------------------
  async function loadDashboard() {
    try {
      const payload = await api(`/api/v1/dashboard/${encodeURIComponent(uuid)}`);
      state.dashboard = normalizeDashboard(payload.result || {});
      renderDashboard();
    } catch (error) {
      state.dashboardError = error;
      renderFatal(error);
    }
  }

  function normalizeDashboard(d) {
    const charts = Array.isArray(d.charts) ? d.charts : [];
    const byId = new Map(charts.map((c) => [String(c.id), c]));
    let tabs = Array.isArray(d.tabs) ? d.tabs.filter((t) => t && Array.isArray(t.charts)) : [];
    if (tabs.length === 0) tabs = [{ key: "main", title: d.dashboard_title || "Dashboard", charts: charts.map((c) => ({ id: c.id, width: 6 })) }];
    tabs = tabs.map((t, i) => ({
      key: String(t.key || `tab-${i + 1}`),
      title: t.title || `Tab ${i + 1}`,
      charts: t.charts.filter((c) => byId.has(String(c.id))).map((c) => ({ id: c.id, width: Math.min(12, Math.max(1, Number.parseInt(c.width, 10) || 6)) })),
    }));
    const filters = (Array.isArray(d.native_filters) ? d.native_filters : [])
      .filter((f) => f && f.key && (f.kind === "select" || f.kind === "time_range"));
    return {
      id: d.id, uuid: d.uuid || uuid, slug: d.slug, title: d.dashboard_title || "Dashboard",
      refreshSeconds: Math.max(0, Number(d.refresh_seconds) || 0),
      tabs, charts, byId, native_filters: filters,
    };
  }

  function renderDashboard() {
    const d = state.dashboard;
    document.title = d.title;
    root.classList.add("bi-app");
    root.removeAttribute("aria-busy");
    for (const view of state.views.values()) view.dispose();
    state.views.clear();

    const requestedTab = params.get("tab");
    state.activeTab = d.tabs.some((t) => t.key === requestedTab) ? requestedTab : d.tabs[0].key;

    const parts = [];
    parts.push(renderToolbar());
    if (ui.showFilters && d.native_filters.length > 0) parts.push(renderFilterBar());
    dom.banner = el("div", { class: "bi-banner", role: "alert", hidden: true });
    parts.push(dom.banner);
    if (!ui.hideTab && d.tabs.length > 1) parts.push(renderTabs());
    dom.panels = new Map();
    for (const tab of d.tabs) {
      const grid = el("div", { class: "bi-grid" });
      const panel = el("section", {
        class: "bi-panel", id: `bi-panel-${cssId(tab.key)}`, role: d.tabs.length > 1 && !ui.hideTab ? "tabpanel" : "region",
        "aria-labelledby": d.tabs.length > 1 && !ui.hideTab ? `bi-tab-${cssId(tab.key)}` : undefined,
        "aria-label": d.tabs.length > 1 && !ui.hideTab ? undefined : d.title,
        hidden: tab.key !== state.activeTab,
      }, grid);
      if (tab.charts.length === 0) grid.append(el("p", { class: "bi-muted bi-panel-empty", text: "This tab has no charts yet." }));
      const narrow = tabletWidths(tab.charts);
      tab.charts.forEach((item, index) => {
        const chart = d.byId.get(String(item.id));
        const view = new ChartView(chart, item.width, tab.key);
        view.card.setAttribute("data-tablet-width", narrow[index]);
        state.views.set(`${tab.key}:${chart.id}`, view);
        grid.append(view.card);
      });
      dom.panels.set(tab.key, panel);
      parts.push(panel);
    }
    root.replaceChildren(...parts);

    for (const def of d.native_filters) if (def.kind === "select") loadFilterValues(def);
    loadVisible("initial");
    scheduleRefresh();
  }

  /** Widths on a tablet (≤ 1000 px): the rows of the 12-column layout, each re-split (1 card: 12; 2: 6 + 6; 3: 4 each; more: pairs). */
  function tabletWidths(items) {
    const rows = [];
    let row = [];
    let used = 0;
    items.forEach((item, index) => {
      if (used + item.width > 12 && row.length > 0) { rows.push(row); row = []; used = 0; }
      row.push(index);
      used += item.width;
    });
    if (row.length > 0) rows.push(row);
    const out = new Array(items.length).fill(12);
    for (const r of rows) {
      r.forEach((index, i) => {
        if (r.length === 1) out[index] = 12;
        else if (r.length === 3) out[index] = 4;
        else out[index] = r.length % 2 === 1 && i === r.length - 1 ? 12 : 6;
      });
    }
    return out;
  }

  function cssId(key) { return String(key).replace(/[^A-Za-z0-9_-]/g, "_"); }

  function renderToolbar() {
    const d = state.dashboard;
    dom.updated = el("span", { class: "bi-updated", text: "" });
    const meta = el("p", { class: "bi-meta" }, dom.updated,
      d.refreshSeconds > 0 ? el("span", { class: "bi-meta-sep", text: `Refreshes every ${describeSeconds(d.refreshSeconds)}` }) : null);
    const title = ui.hideTitle ? null : el("div", { class: "bi-title" }, el("h1", { text: d.title }), meta);
    const actions = el("div", { class: "bi-toolbar-actions" });
    if (ui.showFilters && d.native_filters.length > 0) {
      dom.filterToggle = el("button", {
        type: "button", class: "bi-btn bi-btn-ghost", "aria-expanded": String(state.filtersOpen), "aria-controls": "bi-filter-panel",
        onclick: () => setFiltersOpen(!state.filtersOpen),
      }, icon("filter"), el("span", { class: "bi-filter-toggle-text", text: "Filters" }));
      actions.append(dom.filterToggle);
    }
    if (!ui.hideChartControls) {
      dom.refreshAll = el("button", { type: "button", class: "bi-btn bi-btn-ghost", onclick: () => refreshNow() }, icon("refresh"), "Refresh");
      actions.append(dom.refreshAll);
    }
    if (!title && actions.childElementCount === 0) return el("div", { class: "bi-toolbar bi-toolbar-empty" });
    return el("div", { class: "bi-toolbar" + (title ? "" : " bi-toolbar-compact") }, title, actions);
  }

  function describeSeconds(s) {
    if (s % 3600 === 0) return s === 3600 ? "hour" : `${s / 3600} hours`;
    if (s % 60 === 0) return s === 60 ? "minute" : `${s / 60} minutes`;
    return `${s} seconds`;
  }

  function markUpdated(when) {
    state.lastUpdated = when;
    if (dom.updated) {
      dom.updated.textContent = `Updated ${dateFormats.clock.format(when)}`;
      dom.updated.title = dateFormats.stamp.format(when);
    }
  }

  // ---- Tabs -----------------------------------------------------------------------------------------------------------
  function renderTabs() {
    const d = state.dashboard;
    const list = el("div", { class: "bi-tabs", role: "tablist", "aria-label": `${d.title} tabs` });
    dom.tabButtons = new Map();
    for (const tab of d.tabs) {
      const selected = tab.key === state.activeTab;
      const button = el("button", {
        type: "button", role: "tab", class: "bi-tab", id: `bi-tab-${cssId(tab.key)}`,
        "aria-selected": String(selected), "aria-controls": `bi-panel-${cssId(tab.key)}`, tabindex: selected ? "0" : "-1",
        onclick: () => showTab(tab.key, false),
      }, tab.title);
      dom.tabButtons.set(tab.key, button);
      list.append(button);
    }
    list.addEventListener("keydown", (event) => {
      const keys = d.tabs.map((t) => t.key);
      const index = keys.indexOf(state.activeTab);
      let next = null;
      if (event.key === "ArrowRight") next = keys[(index + 1) % keys.length];
      else if (event.key === "ArrowLeft") next = keys[(index - 1 + keys.length) % keys.length];
      else if (event.key === "Home") next = keys[0];
      else if (event.key === "End") next = keys[keys.length - 1];
      if (next === null) return;
      event.preventDefault();
      showTab(next, true);
    });
    return el("nav", { class: "bi-tabs-wrap", "aria-label": "Dashboard tabs" }, list);
  }

  function showTab(key, focus) {
    if (key === state.activeTab) return;
    state.activeTab = key;
    for (const [k, button] of dom.tabButtons || []) {
      const selected = k === key;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    for (const [k, panel] of dom.panels) panel.hidden = k !== key;
    loadVisible("tab");
    for (const view of visibleViews()) view.resize();
  }

  function visibleViews() {
    return [...state.views.values()].filter((v) => v.tab === state.activeTab);
  }

  /** Loads the charts of the visible tab whose data is missing or older than the applied filters and refresh generation. */
  function loadVisible(reason) {
    const key = loadKey();
    for (const view of visibleViews()) {
      if (view.loadedKey !== key || view.status === "error") view.load(reason);
    }
  }

  function loadKey() { return `${state.generation}|${JSON.stringify(normalizeValues(state.applied))}`; }

  // ---- Refresh ----------------------------------------------------------------------------------------------------------
  function scheduleRefresh() {
    if (state.refreshTimer) window.clearInterval(state.refreshTimer);
    const seconds = state.dashboard.refreshSeconds;
    if (seconds > 0) state.refreshTimer = window.setInterval(() => {
      if (document.hidden) { state.refreshPending = true; return; }
      refreshNow();
    }, Math.max(10, seconds) * 1000);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.refreshPending) { state.refreshPending = false; refreshNow(); }
  });

  function refreshNow() {
    state.generation++;
    loadVisible("refresh");
  }

  function retryAfterNewToken() {
    if (!state.dashboard) { renderWaiting(); loadDashboard(); return; }
    onAuthRestored();
    for (const def of filterDefs()) {
      const fv = state.filterValues[def.key];
      if (def.kind === "select" && fv && fv.status === "error") loadFilterValues(def);
    }
    for (const view of visibleViews()) if (view.status === "error" && view.error && view.error.auth) view.load("retry");
  }

  function onAuthRefused() {
    state.authRefused = true;
    if (dom.banner) {
      dom.banner.replaceChildren(icon("alert"), el("span", { text: "Access to this dashboard was refused or has expired. It resumes when the host page sends a new guest token." }));
      dom.banner.hidden = false;
    }
  }

  function onAuthRestored() {
    state.authRefused = false;
    if (dom.banner) dom.banner.hidden = true;
  }

  // ---- Filter bar --------------------------------------------------------------------------------------------------------
  function renderFilterBar() {
    const d = state.dashboard;
    state.draft = cloneValues(state.applied);
    dom.filterFields = new Map();
    const fields = el("div", { class: "bi-filter-fields" });
    for (const def of d.native_filters) {
      const field = def.kind === "select" ? selectFilter(def) : timeRangeFilter(def);
      dom.filterFields.set(def.key, field);
      fields.append(field.node);
    }
    dom.apply = el("button", { type: "submit", class: "bi-btn bi-btn-primary", disabled: true }, "Apply");
    dom.reset = el("button", { type: "button", class: "bi-btn bi-btn-ghost", onclick: resetFilters }, "Reset");
    dom.filterError = el("p", { class: "bi-filter-error", role: "alert", hidden: true });
    const form = el("form", { class: "bi-filter-form", "aria-label": "Dashboard filters", novalidate: true },
      fields, el("div", { class: "bi-filter-actions" }, dom.apply, dom.reset), dom.filterError);
    form.addEventListener("submit", (event) => { event.preventDefault(); applyFilters(); });
    dom.filterPanel = el("section", { class: "bi-filters", id: "bi-filter-panel", hidden: !state.filtersOpen }, form);
    updateFilterState();
    return dom.filterPanel;
  }

  function setFiltersOpen(open) {
    state.filtersOpen = open;
    if (dom.filterPanel) dom.filterPanel.hidden = !open;
    if (dom.filterToggle) dom.filterToggle.setAttribute("aria-expanded", String(open));
  }

  function updateFilterState() {
    const invalid = filterDefs().some((def) => def.kind === "time_range" && rangeInvalid(state.draft[def.key]));
    const dirty = !sameValues(state.draft, state.applied);
    if (dom.apply) dom.apply.disabled = !dirty || invalid;
    if (dom.reset) dom.reset.disabled = activeCount(state.applied) === 0 && activeCount(state.draft) === 0;
    if (dom.filterError) {
      dom.filterError.hidden = !invalid;
      dom.filterError.textContent = invalid ? "The start date must be on or before the end date." : "";
    }
    const count = activeCount(state.applied);
    if (dom.filterToggle) {
      dom.filterToggle.querySelector(".bi-filter-toggle-text").textContent = count > 0 ? `Filters · ${count}` : "Filters";
      dom.filterToggle.classList.toggle("bi-btn-active", count > 0);
    }
  }

  function rangeInvalid(value) {
    return Boolean(value && value.from && value.to && value.from > value.to);
  }

  function applyFilters() {
    if (dom.apply && dom.apply.disabled) return;
    state.applied = cloneValues(state.draft);
    for (const [key, v] of Object.entries(state.applied)) {
      const def = filterDefs().find((f) => f.key === key);
      if (!def || !isActive(def, v)) delete state.applied[key];
    }
    updateFilterState();
    loadVisible("filters");
    if (ui.emitDataMasks && state.board) state.board.emit("observeDataMask", { ...dataMask(), crossFiltersChanged: false, nativeFiltersChanged: true });
  }

  function resetFilters() {
    state.draft = {};
    for (const field of dom.filterFields.values()) field.sync();
    if (activeCount(state.applied) > 0) applyFilters();
    else updateFilterState();
  }

  async function loadFilterValues(def) {
    state.filterValues[def.key] = { status: "loading", values: [] };
    refreshFilterField(def.key);
    try {
      const payload = await api(`/api/v1/dashboard/${encodeURIComponent(uuid)}/filter/${encodeURIComponent(def.key)}/values`);
      const values = (Array.isArray(payload.result) ? payload.result : []).filter((v) => v !== null && v !== undefined).map(String);
      state.filterValues[def.key] = { status: "ready", values };
    } catch (error) {
      state.filterValues[def.key] = { status: "error", values: [], error };
    }
    refreshFilterField(def.key);
  }

  function refreshFilterField(key) {
    const field = dom.filterFields && dom.filterFields.get(key);
    if (field) field.sync();
  }

  /** A multi-select: a button that opens a searchable list of checkboxes. */
  function selectFilter(def) {
    const id = nextId("bi-filter");
    const label = el("span", { class: "bi-field-label", id: `${id}-label`, text: def.label || def.column });
    const summary = el("span", { class: "bi-select-summary" });
    const button = el("button", {
      type: "button", class: "bi-select-button", id: `${id}-button`, "aria-haspopup": "true", "aria-expanded": "false",
      "aria-controls": `${id}-pop`, "aria-labelledby": `${id}-label ${id}-button`,
    }, summary, icon("chevron", "bi-select-chevron"));
    const search = el("input", { type: "search", class: "bi-select-search", placeholder: "Search…", "aria-label": `Search ${def.label || def.column}` });
    const list = el("div", { class: "bi-select-list", role: "group", "aria-labelledby": `${id}-label` });
    const status = el("p", { class: "bi-select-status", role: "status" });
    const all = el("button", { type: "button", class: "bi-link-btn" }, "Select all");
    const none = el("button", { type: "button", class: "bi-link-btn" }, "Clear");
    const pop = el("div", { class: "bi-select-pop", id: `${id}-pop`, hidden: true },
      search, el("div", { class: "bi-select-tools" }, all, none), list, status);
    const wrap = el("div", { class: "bi-select" }, button, pop);
    const node = el("div", { class: "bi-field bi-field-select", "data-filter": def.key }, label, wrap);

    const selected = () => new Set(Array.isArray(state.draft[def.key]) ? state.draft[def.key] : []);
    const setSelected = (set) => {
      const fv = state.filterValues[def.key];
      const order = fv ? fv.values : [];
      state.draft[def.key] = order.filter((v) => set.has(v)).concat([...set].filter((v) => !order.includes(v)));
      syncSummary();
      updateFilterState();
    };

    function syncSummary() {
      const values = [...selected()];
      summary.textContent = values.length === 0 ? "All" : values.length <= 2 ? values.join(", ") : `${values.length} selected`;
      button.classList.toggle("bi-select-button-active", values.length > 0);
      button.title = values.length > 0 ? values.join(", ") : "";
    }

    function renderOptions() {
      const fv = state.filterValues[def.key] || { status: "loading", values: [] };
      const term = search.value.trim().toLowerCase();
      const chosen = selected();
      list.replaceChildren();
      if (fv.status === "loading") { status.textContent = "Loading values…"; return; }
      if (fv.status === "error") {
        status.replaceChildren(el("span", { text: `Could not load values: ${fv.error.message} ` }),
          el("button", { type: "button", class: "bi-link-btn", onclick: () => loadFilterValues(def) }, "Retry"));
        return;
      }
      const shown = fv.values.filter((v) => !term || v.toLowerCase().includes(term));
      for (const value of shown) {
        const box = el("input", { type: "checkbox", value, checked: chosen.has(value) });
        box.addEventListener("change", () => {
          const set = selected();
          if (box.checked) set.add(value); else set.delete(value);
          setSelected(set);
        });
        list.append(el("label", { class: "bi-option" }, box, el("span", { text: value })));
      }
      status.textContent = fv.values.length === 0 ? "No values" : shown.length === 0 ? "No value matches" : "";
    }

    function open(show) {
      pop.hidden = !show;
      button.setAttribute("aria-expanded", String(show));
      if (show) {
        for (const other of dom.filterFields.values()) if (other !== field && other.close) other.close();
        renderOptions();
        search.focus();
      }
    }

    button.addEventListener("click", () => open(pop.hidden));
    search.addEventListener("input", renderOptions);
    all.addEventListener("click", () => {
      const fv = state.filterValues[def.key];
      const term = search.value.trim().toLowerCase();
      const set = selected();
      for (const v of (fv ? fv.values : [])) if (!term || v.toLowerCase().includes(term)) set.add(v);
      setSelected(set);
      renderOptions();
    });
    none.addEventListener("click", () => { setSelected(new Set()); renderOptions(); });
    wrap.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !pop.hidden) { event.stopPropagation(); open(false); button.focus(); }
    });
    document.addEventListener("click", (event) => { if (!pop.hidden && !wrap.contains(event.target)) open(false); });
    wrap.addEventListener("focusout", (event) => { if (!pop.hidden && event.relatedTarget && !wrap.contains(event.relatedTarget)) open(false); });

    const field = {
      node,
      close: () => { if (!pop.hidden) open(false); },
      sync: () => { syncSummary(); if (!pop.hidden) renderOptions(); },
    };
    syncSummary();
    return field;
  }

  /** A date range: two date inputs; "to" is inclusive here and sent as "< the next day". */
  function timeRangeFilter(def) {
    const id = nextId("bi-range");
    const from = el("input", { type: "date", id: `${id}-from`, class: "bi-date" });
    const to = el("input", { type: "date", id: `${id}-to`, class: "bi-date" });
    const node = el("fieldset", { class: "bi-field bi-field-range", "data-filter": def.key },
      el("legend", { class: "bi-field-label", text: def.label || def.column }),
      el("div", { class: "bi-range" },
        el("label", { class: "bi-range-part", for: `${id}-from` }, el("span", { class: "bi-sr-only", text: "From" }), from),
        el("span", { class: "bi-range-sep", "aria-hidden": "true", text: "–" }),
        el("label", { class: "bi-range-part", for: `${id}-to` }, el("span", { class: "bi-sr-only", text: "To (inclusive)" }), to)));
    const onChange = () => {
      state.draft[def.key] = { from: from.value || "", to: to.value || "" };
      if (!state.draft[def.key].from && !state.draft[def.key].to) delete state.draft[def.key];
      const invalid = rangeInvalid(state.draft[def.key]);
      from.setAttribute("aria-invalid", String(invalid));
      to.setAttribute("aria-invalid", String(invalid));
      updateFilterState();
    };
    from.addEventListener("change", onChange);
    to.addEventListener("change", onChange);
    return {
      node,
      sync: () => {
        const v = state.draft[def.key] || {};
        from.value = v.from || "";
        to.value = v.to || "";
        from.setAttribute("aria-invalid", "false");
        to.setAttribute("aria-invalid", "false");
      },
    };
  }

  // ---- Charts -----------------------------------------------------------------------------------------------------------
  const VIZ_NAMES = { bar: "bar chart", line: "line chart", area: "area chart", pie: "pie chart", big_number: "big number", table: "table" };

  function vizOf(chart) {
    const viz = String((chart.spec && chart.spec.viz) || chart.viz_type || "table").toLowerCase();
    if (viz.includes("big_number")) return "big_number";
    if (viz.includes("pie")) return "pie";
    if (viz.includes("area")) return "area";
    if (viz.includes("line")) return "line";
    if (viz.includes("bar") || viz.includes("dist")) return "bar";
    return viz === "table" ? "table" : viz;
  }

  class ChartView {
    constructor(chart, width, tab) {
      this.chart = chart;
      this.spec = chart.spec || {};
      this.viz = vizOf(chart);
      this.tab = tab;
      this.status = "idle";
      this.loadedKey = null;
      this.instance = null;
      this.sparkline = null;
      this.result = null;
      this.error = null;
      this.controller = null;
      this.ticket = 0;

      const titleId = nextId("bi-chart-title");
      this.title = el("h2", { class: "bi-card-title", id: titleId, text: chart.slice_name || `Chart ${chart.id}` });
      this.hint = el("p", { class: "bi-card-hint" });
      const tools = el("div", { class: "bi-card-tools" });
      if (!ui.hideChartControls) {
        this.refreshButton = el("button", {
          type: "button", class: "bi-icon-btn", title: "Refresh this chart", "aria-label": `Refresh ${this.title.textContent}`,
          onclick: () => this.load("manual"),
        }, icon("refresh"));
        this.csvButton = el("button", {
          type: "button", class: "bi-icon-btn bi-csv-btn", title: "Download the data as CSV", "aria-label": `Download ${this.title.textContent} as CSV`,
          onclick: () => this.downloadCsv(),
        }, icon("download"), el("span", { text: "CSV" }));
        tools.append(this.refreshButton, this.csvButton);
      }
      this.progress = el("div", { class: "bi-progress", hidden: true });
      this.body = el("div", { class: `bi-card-body bi-body-${this.viz}` });
      this.card = el("article", {
        class: `bi-card bi-viz-${this.viz}`, "data-width": width, "data-chart-id": chart.id, "data-state": "idle",
        "aria-labelledby": titleId,
      }, this.progress, el("header", { class: "bi-card-head" }, el("div", { class: "bi-card-heading" }, this.title, this.hint), tools), this.body);
      this.showSkeleton();
    }

    setStatus(status) {
      this.status = status;
      this.card.setAttribute("data-state", status);
      this.card.setAttribute("aria-busy", String(status === "loading"));
    }

    showSkeleton() {
      const skel = el("div", { class: `bi-skeleton bi-skeleton-${this.viz}`, "aria-hidden": "true" });
      if (this.viz === "bar") {
        for (const h of [55, 80, 40, 95, 70, 60, 85]) {
          const bar = el("span", { class: "bi-skel bi-skel-bar" });
          bar.style.height = `${h}%`;
          skel.append(bar);
        }
      }
      else if (this.viz === "table") for (let i = 0; i < 6; i++) skel.append(el("span", { class: "bi-skel bi-skel-row" }));
      else if (this.viz === "big_number") skel.append(el("span", { class: "bi-skel bi-skel-big" }), el("span", { class: "bi-skel bi-skel-small" }));
      else if (this.viz === "pie") skel.append(el("span", { class: "bi-skel bi-skel-donut" }));
      else skel.append(el("span", { class: "bi-skel bi-skel-area" }));
      this.disposeInstances();
      this.body.replaceChildren(skel, el("span", { class: "bi-sr-only", text: "Loading…" }));
    }

    async load(reason) {
      const key = loadKey();
      const ticket = ++this.ticket;
      if (this.controller) this.controller.abort();
      const controller = new AbortController();
      this.controller = controller;
      const keepContent = this.status === "ready" && (reason === "refresh" || reason === "manual");
      if (keepContent) this.progress.hidden = false;
      else this.showSkeleton();
      this.setStatus("loading");
      this.hint.textContent = "";
      if (this.refreshButton) this.refreshButton.disabled = true;
      try {
        const body = { dashboard_id: state.dashboard.id, chart_id: this.chart.id, extra_filters: extraFilters() };
        const payload = await schedule(() => (controller.signal.aborted ? Promise.reject(abortError()) :
          api("/api/v1/chart/data", { method: "POST", body, signal: controller.signal })));
        if (ticket !== this.ticket) return;
        const result = Array.isArray(payload.result) ? payload.result[0] : null;
        this.loadedKey = key;
        this.error = null;
        this.result = result || { colnames: [], coltypes: [], data: [] };
        this.render();
        this.showFreshness();
        markUpdated(new Date());
      } catch (error) {
        if (ticket !== this.ticket || (error && error.name === "AbortError")) return;
        this.error = error;
        this.loadedKey = null;
        this.renderError(error);
      } finally {
        if (ticket === this.ticket) {
          this.progress.hidden = true;
          if (this.refreshButton) this.refreshButton.disabled = false;
          this.controller = null;
        }
      }
    }

    /** A short note in the card's header (CSV outcome), then the freshness hint again. */
    flash(text, isError) {
      window.clearTimeout(this.flashTimer);
      this.hint.textContent = text;
      this.hint.classList.toggle("bi-hint-error", isError);
      this.hint.setAttribute("role", isError ? "alert" : "status");
      this.flashTimer = window.setTimeout(() => {
        this.hint.classList.remove("bi-hint-error");
        this.hint.removeAttribute("role");
        if (this.status === "ready" || this.status === "empty") this.showFreshness();
        else this.hint.textContent = "";
      }, isError ? 8000 : 4000);
    }

    showFreshness() {
      const r = this.result;
      const cachedAt = r.is_cached ? parseInstant(r.cached_dttm) : null;
      if (r.is_cached) {
        this.hint.textContent = cachedAt ? `Cached ${dateFormats.clock.format(cachedAt)}` : "Cached";
        this.hint.title = cachedAt ? `From the cache, computed ${dateFormats.stamp.format(cachedAt)}` : "From the cache";
      } else {
        const now = new Date();
        this.hint.textContent = `Updated ${dateFormats.clock.format(now)}`;
        this.hint.title = `Queried ${dateFormats.stamp.format(now)}`;
      }
    }

    render() {
      const rows = Array.isArray(this.result.data) ? this.result.data : [];
      this.disposeInstances();
      if (rows.length === 0) {
        this.setStatus("empty");
        this.body.replaceChildren(stateBox("empty", "No data for these filters", activeCount(state.applied) > 0 ? "Try a wider period or fewer filter values." : "There is nothing to show yet."));
        return;
      }
      this.setStatus("ready");
      try {
        if (this.viz === "table") this.renderTable(rows);
        else if (this.viz === "big_number") this.renderBigNumber(rows);
        else if (this.viz === "pie" || this.viz === "bar" || this.viz === "line" || this.viz === "area") this.renderEChart(rows);
        else this.renderTable(rows);
      } catch (error) {
        console.error("[bi] chart", this.chart.id, error);
        this.renderError(new ApiError(0, "This chart could not be drawn from its data."));
      }
    }

    redraw() {
      if (this.status === "ready") this.render();
    }

    renderError(error) {
      this.disposeInstances();
      this.hint.textContent = "";
      if (error.broken) {
        this.setStatus("broken");
        this.body.replaceChildren(stateBox("broken", "This chart is broken", error.message || "Its definition no longer matches its data. Ask the dashboard's owner to fix it."));
        return;
      }
      this.setStatus("error");
      const retry = el("button", { type: "button", class: "bi-btn bi-btn-small", onclick: () => this.load("retry") }, icon("refresh"), "Retry");
      const text = error.auth ? "Waiting for the host page to renew access to this dashboard." : error.message;
      this.body.replaceChildren(stateBox("error", error.auth ? "Access refused" : "This chart could not be loaded", text, retry));
    }

    disposeInstances() {
      if (this.resizeObserver) { this.resizeObserver.disconnect(); this.resizeObserver = null; }
      if (this.instance) { this.instance.dispose(); this.instance = null; }
      if (this.sparkline) { this.sparkline.dispose(); this.sparkline = null; }
    }

    dispose() {
      this.ticket++;
      if (this.controller) this.controller.abort();
      this.disposeInstances();
    }

    resize() {
      if (this.instance) this.instance.resize();
      if (this.sparkline) this.sparkline.resize();
    }

    observe(target) {
      if (!window.ResizeObserver) return;
      let frame = 0;
      this.resizeObserver = new ResizeObserver(() => {
        window.cancelAnimationFrame(frame);
        frame = window.requestAnimationFrame(() => this.resize());
      });
      this.resizeObserver.observe(target);
    }

    metricColumns() {
      const cols = this.result.colnames || [];
      const labels = (this.spec.metrics || []).map((m) => (typeof m === "string" ? m : m && (m.label || m.column))).filter((c) => cols.includes(c));
      if (labels.length > 0) return labels;
      const types = this.result.coltypes || [];
      const dims = new Set([...(this.spec.groupby || []), this.spec.time_column].filter(Boolean));
      return cols.filter((c, i) => types[i] === 0 && !dims.has(c));
    }

    columnType(name) {
      const cols = this.result.colnames || [];
      const types = this.result.coltypes || [];
      const i = cols.indexOf(name);
      return i >= 0 ? types[i] : undefined;
    }

    /** The number format of a metric column: the metric's own format, else integer for counts, else the chart's. */
    formatOf(column) {
      const metric = column === undefined ? null : (this.spec.metrics || []).find((m) => m && typeof m === "object" && (m.label || m.column) === column);
      if (metric && metric.format) return metric.format;
      if (metric && /^count/i.test(String(metric.aggregate || ""))) return "integer";
      return this.spec.format || "number";
    }

    // -- table
    renderTable(rows) {
      const cols = (Array.isArray(this.spec.columns) && this.spec.columns.length > 0 ? this.spec.columns : this.result.colnames || [])
        .filter((c) => (this.result.colnames || []).includes(c));
      const metrics = new Set(this.metricColumns());
      const limit = 500;
      const shown = rows.slice(0, limit);
      const head = el("tr", null, cols.map((c) => el("th", { scope: "col", class: this.columnType(c) === 0 ? "bi-num" : null, text: columnLabel(c) })));
      const bodyRows = shown.map((row) => el("tr", null, cols.map((c, i) => {
        const type = this.columnType(c);
        const value = row[c];
        if (type === 0) return el("td", { class: "bi-num", text: formatNumber(value, metrics.has(c) ? this.formatOf(c) : "number", "full") });
        if (type === 2) return el(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : null, text: formatTime(value, this.spec.time_grain) });
        if (type === 3) return el("td", { text: value === null || value === undefined ? "–" : value ? "Yes" : "No" });
        return el(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : null, text: value === null || value === undefined ? "–" : String(value) });
      })));
      const table = el("table", { class: "bi-table" },
        el("caption", { class: "bi-sr-only", text: this.title.textContent }),
        el("thead", null, head), el("tbody", null, bodyRows));
      const total = Number(this.result.rowcount) || rows.length;
      const note = rows.length > limit || (ui.showRowLimitWarning && total > rows.length)
        ? el("p", { class: "bi-table-note", text: `Showing ${shown.length.toLocaleString(LOCALE)} of ${Math.max(total, rows.length).toLocaleString(LOCALE)} rows. Download the CSV for all of them.` })
        : null;
      this.body.replaceChildren(...[el("div", { class: "bi-table-wrap", tabindex: "0", role: "region", "aria-label": this.title.textContent }, table), note].filter(Boolean));
    }

    // -- big number (with a trend line when the query has a time column)
    renderBigNumber(rows) {
      const metric = this.metricColumns()[0];
      const timeCol = this.spec.time_column && this.columnType(this.spec.time_column) !== undefined ? this.spec.time_column : null;
      const grain = this.spec.time_grain;
      let ordered = rows;
      if (timeCol) ordered = rows.slice().sort((a, b) => String(a[timeCol]).localeCompare(String(b[timeCol])));
      const last = ordered[ordered.length - 1];
      const value = last ? last[metric] : null;
      const format = this.formatOf(metric);
      const shown = formatNumber(value, format, "big");
      const exact = formatNumber(value, format, "full");
      const big = el("p", { class: "bi-big-value", title: exact, text: shown });
      const lines = [];
      const trend = timeCol && ordered.length > 1;
      if (trend) {
        const parts = [el("span", { class: "bi-big-period", text: formatTime(last[timeCol], grain) })];
        const prev = Number(ordered[ordered.length - 2][metric]);
        const cur = Number(value);
        if (Number.isFinite(prev) && Number.isFinite(cur) && prev !== 0) {
          const change = (cur - prev) / Math.abs(prev);
          const direction = change > 0 ? "up" : change < 0 ? "down" : "flat";
          parts.push(el("span", { class: `bi-delta bi-delta-${direction}`, text: `${direction === "up" ? "▲" : direction === "down" ? "▼" : "■"} ${numberFormats.signedPercent.format(change)}` }),
            el("span", { class: "bi-muted", text: `vs ${formatTime(ordered[ordered.length - 2][timeCol], grain)}` }));
        }
        lines.push(el("p", { class: "bi-big-sub" }, parts));
      }
      if (exact !== shown) lines.push(el("p", { class: "bi-big-exact", text: exact }));
      else if (!trend) {
        const label = (this.spec.metrics && this.spec.metrics[0] && this.spec.metrics[0].label) || metric;
        if (label && label !== this.title.textContent) lines.push(el("p", { class: "bi-big-exact", text: label }));
      }
      const box = el("div", { class: "bi-big" + (trend ? " bi-big-trend" : "") }, big, lines);
      big.setAttribute("aria-label", `${this.title.textContent}: ${exact}`);
      this.body.replaceChildren(box);
      if (trend && window.echarts) {
        const spark = el("div", { class: "bi-sparkline", "aria-hidden": "true" });
        box.append(spark);
        const color = chartColors().accent;
        this.sparkline = window.echarts.init(spark, null, { renderer: "canvas" });
        this.sparkline.setOption({
          animation: !reducedMotion,
          grid: { left: 0, right: 0, top: 4, bottom: 0 },
          xAxis: { type: "category", show: false, boundaryGap: false, data: ordered.map((r) => formatTime(r[timeCol], grain)) },
          yAxis: { type: "value", show: false, scale: true },
          tooltip: { show: false },
          series: [{ type: "line", data: ordered.map((r) => toNumber(r[metric])), showSymbol: false, smooth: 0.3,
            lineStyle: { width: 2, color }, areaStyle: { color, opacity: 0.1 } }],
        });
        this.observe(spark);
      }
    }

    // -- ECharts: bar, line, area, pie
    renderEChart(rows) {
      if (!window.echarts) throw new Error("ECharts is not loaded");
      const target = el("div", { class: "bi-canvas" });
      this.body.replaceChildren(target);
      const option = this.viz === "pie" ? this.pieOption(rows, target) : this.cartesianOption(rows);
      this.instance = window.echarts.init(target, null, { renderer: "canvas" });
      this.instance.setOption(option);
      this.observe(target);
    }

    cartesianOption(rows) {
      const spec = this.spec;
      const metrics = this.metricColumns();
      const has = (c) => c && this.columnType(c) !== undefined;
      const timeCol = has(spec.time_column) ? spec.time_column : null;
      const groupby = (spec.groupby || []).filter((c) => has(c) && c !== timeCol);
      let xCol;
      let seriesCol = null;
      if (timeCol) { xCol = timeCol; seriesCol = groupby[0] || null; }
      else {
        xCol = groupby[0] || (this.result.colnames || []).find((c) => !metrics.includes(c));
        seriesCol = groupby[1] || null;
      }
      const temporal = xCol === timeCol || this.columnType(xCol) === 2;
      let ordered = rows;
      if (temporal) ordered = rows.slice().sort((a, b) => String(a[xCol]).localeCompare(String(b[xCol])));
      const xKeys = [];
      const xIndex = new Map();
      for (const r of ordered) {
        const k = String(r[xCol]);
        if (!xIndex.has(k)) { xIndex.set(k, xKeys.length); xKeys.push(r[xCol]); }
      }
      const xLabels = xKeys.map((k) => (temporal ? formatTime(k, spec.time_grain) : k === null || k === undefined ? "–" : String(k)));
      const format = this.formatOf(metrics[0]);
      const stacked = Boolean(spec.stacked);

      let seriesData; // [{name, values[]}]
      if (seriesCol) {
        const metric = metrics[0];
        const groups = new Map();
        for (const r of ordered) {
          const name = r[seriesCol] === null || r[seriesCol] === undefined ? "–" : String(r[seriesCol]);
          if (!groups.has(name)) groups.set(name, new Array(xKeys.length).fill(null));
          const values = groups.get(name);
          const i = xIndex.get(String(r[xCol]));
          values[i] = (values[i] || 0) + toNumber(r[metric]);
        }
        seriesData = [...groups.entries()].map(([name, values]) => ({ name, values }));
        seriesData = foldOthers(seriesData, 9);
      } else {
        seriesData = metrics.map((m) => {
          const values = new Array(xKeys.length).fill(null);
          for (const r of ordered) {
            const i = xIndex.get(String(r[xCol]));
            values[i] = (values[i] || 0) + toNumber(r[m]);
          }
          return { name: m, values };
        });
      }

      const horizontal = this.viz === "bar" && (spec.orientation === "horizontal" || (!temporal && xKeys.length > 8));
      const type = this.viz === "bar" ? "bar" : "line";
      const series = seriesData.map((s, i) => ({
        name: s.name,
        type,
        data: s.values.map((v) => (v === null && stacked ? 0 : v)),
        stack: stacked ? "total" : undefined,
        barMaxWidth: 36,
        barGap: "12%",
        itemStyle: type === "bar" ? { borderRadius: stacked ? 0 : horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] } : undefined,
        showSymbol: type === "line" ? xKeys.length <= 16 : undefined,
        symbolSize: 6,
        lineStyle: type === "line" ? { width: 2 } : undefined,
        areaStyle: this.viz === "area" ? { opacity: stacked ? 0.55 : 0.16 } : undefined,
        emphasis: { focus: "series" },
        connectNulls: false,
        color: PALETTE[i % PALETTE.length],
      }));
      const colors = chartColors();
      const multi = series.length > 1;
      const categoryAxis = {
        type: "category", data: xLabels, boundaryGap: type === "bar",
        axisLine: { lineStyle: { color: colors.line } }, axisTick: { show: false },
        axisLabel: { color: colors.muted, hideOverlap: true, fontSize: 11, width: horizontal ? 110 : undefined, overflow: horizontal ? "truncate" : undefined },
        inverse: horizontal,
      };
      const valueAxis = {
        type: "value",
        axisLabel: { color: colors.muted, fontSize: 11, formatter: (v) => formatNumber(v, format, "axis") },
        splitLine: { lineStyle: { color: colors.grid, type: "dashed" } },
      };
      return {
        animation: !reducedMotion,
        aria: { enabled: true },
        color: PALETTE,
        textStyle: { fontFamily: colors.font },
        grid: { left: 4, right: horizontal || type === "line" ? 24 : 8, top: multi ? 36 : 12, bottom: 4, containLabel: true },
        legend: multi ? { type: "scroll", top: 0, left: 0, icon: "roundRect", itemWidth: 10, itemHeight: 10, textStyle: { color: colors.muted } } : { show: false },
        tooltip: {
          trigger: "axis", confine: true, className: "bi-tooltip",
          axisPointer: { type: type === "bar" ? "shadow" : "line", lineStyle: { color: colors.line }, shadowStyle: { color: "rgba(36,81,183,0.06)" } },
          backgroundColor: colors.card, borderColor: colors.line, padding: [8, 10], textStyle: { color: colors.ink, fontSize: 12 },
          formatter: (items) => axisTooltip(items, format, stacked && multi),
        },
        xAxis: horizontal ? valueAxis : categoryAxis,
        yAxis: horizontal ? categoryAxis : valueAxis,
        series,
      };
    }

    pieOption(rows, target) {
      const metric = this.metricColumns()[0];
      const dims = (this.spec.groupby || []).filter((c) => this.columnType(c) !== undefined);
      const dim = dims[0] || (this.result.colnames || []).find((c) => c !== metric);
      const temporal = this.columnType(dim) === 2;
      const totals = new Map();
      for (const r of rows) {
        const name = temporal ? formatTime(r[dim], this.spec.time_grain) : r[dim] === null || r[dim] === undefined ? "–" : String(r[dim]);
        totals.set(name, (totals.get(name) || 0) + toNumber(r[metric]));
      }
      let data = [...totals.entries()].map(([name, value]) => ({ name, value })).sort((a, b) => b.value - a.value);
      if (data.length > 8) {
        const rest = data.slice(7).reduce((s, d) => s + d.value, 0);
        data = data.slice(0, 7).concat([{ name: "Other", value: rest }]);
      }
      const total = data.reduce((s, d) => s + d.value, 0);
      const format = this.formatOf(metric);
      const colors = chartColors();
      const wide = (target.clientWidth || this.body.clientWidth || 400) >= 420;
      const center = wide ? ["32%", "50%"] : ["50%", "42%"];
      return {
        animation: !reducedMotion,
        aria: { enabled: true },
        color: PALETTE,
        textStyle: { fontFamily: colors.font },
        tooltip: {
          trigger: "item", confine: true, className: "bi-tooltip", backgroundColor: colors.card, borderColor: colors.line, padding: [8, 10],
          textStyle: { color: colors.ink, fontSize: 12 },
          formatter: (p) => `<div class="bi-tt-head">${escapeHtml(p.name)}</div><div class="bi-tt-row">${dot(p.color)}<span class="bi-tt-value">${escapeHtml(formatNumber(p.value, format, "full"))}</span><span class="bi-tt-pct">${escapeHtml(numberFormats.percent.format(total ? p.value / total : 0))}</span></div>`,
        },
        legend: wide
          ? { type: "scroll", orient: "vertical", right: 8, top: "middle", icon: "circle", itemWidth: 9, itemHeight: 9, textStyle: { color: colors.muted },
            formatter: (name) => { const d = data.find((x) => x.name === name); return `${name}  ${numberFormats.percentCompact.format(total && d ? d.value / total : 0)}`; } }
          : { type: data.length > 6 ? "scroll" : "plain", bottom: 0, left: "center", icon: "circle", itemWidth: 9, itemHeight: 9, itemGap: 8, textStyle: { color: colors.muted } },
        title: {
          text: formatNumber(total, format, "big"), subtext: "Total", left: center[0], top: center[1], textAlign: "center", textVerticalAlign: "middle",
          textStyle: { fontSize: 17, fontWeight: 700, color: colors.ink }, subtextStyle: { fontSize: 11, color: colors.muted }, itemGap: 2,
        },
        series: [{
          type: "pie", radius: wide ? ["50%", "76%"] : ["42%", "64%"], center, avoidLabelOverlap: true,
          itemStyle: { borderColor: colors.card, borderWidth: 2, borderRadius: 3 },
          label: { show: false }, labelLine: { show: false },
          emphasis: { scale: true, scaleSize: 4 },
          data,
        }],
      };
    }

    async downloadCsv() {
      const button = this.csvButton;
      if (!button || button.disabled) return;
      button.disabled = true;
      button.classList.add("bi-busy");
      try {
        const query = new URLSearchParams({ format: "csv", dashboard_id: String(state.dashboard.id) });
        const filters = extraFilters();
        if (filters.length > 0) query.set("extra_filters", JSON.stringify(filters));
        const response = await api(`/api/v1/chart/${encodeURIComponent(this.chart.id)}/data?${query}`, { raw: true, accept: "text/csv" });
        const blob = await response.blob();
        const name = fileNameFrom(response.headers.get("Content-Disposition")) || `${slugify(this.chart.slice_name || `chart-${this.chart.id}`)}.csv`;
        const url = URL.createObjectURL(blob);
        const link = el("a", { href: url, download: name, class: "bi-sr-only" });
        document.body.append(link);
        link.click();
        link.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 30000);
        this.flash(`Downloaded ${name}`, false);
      } catch (error) {
        this.flash(`CSV download failed: ${error.message}`, true);
      } finally {
        button.disabled = false;
        button.classList.remove("bi-busy");
      }
    }
  }

  function abortError() {
    const error = new Error("aborted");
    error.name = "AbortError";
    return error;
  }

  function stateBox(kind, heading, text, action) {
    const iconName = kind === "empty" ? "empty" : kind === "broken" ? "broken" : "alert";
    return el("div", { class: `bi-state bi-state-${kind}`, role: kind === "empty" ? null : "alert" },
      icon(iconName, "bi-state-icon"),
      el("p", { class: "bi-state-title", text: heading }),
      text ? el("p", { class: "bi-state-text", text }) : null,
      action || null);
  }

  function foldOthers(series, keep) {
    if (series.length <= keep + 1) return series;
    const total = (s) => s.values.reduce((sum, v) => sum + (v || 0), 0);
    const sorted = series.slice().sort((a, b) => total(b) - total(a));
    const top = sorted.slice(0, keep);
    const rest = sorted.slice(keep);
    const other = { name: "Other", values: top[0].values.map((_, i) => rest.reduce((sum, s) => sum + (s.values[i] || 0), 0)) };
    return top.concat([other]);
  }

  function toNumber(v) {
    if (v === null || v === undefined || v === "") return 0;
    const n = typeof v === "number" ? v : Number(v);
    return Number.isFinite(n) ? n : 0;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // Tooltip markers take their colour from a class (the CSP forbids inline style attributes).
  function dot(color) {
    const i = PALETTE.indexOf(String(color).toLowerCase());
    return `<span class="bi-tt-dot bi-c${i < 0 ? 0 : i}"></span>`;
  }

  function axisTooltip(items, format, withTotal) {
    const list = Array.isArray(items) ? items : [items];
    if (list.length === 0) return "";
    let html = `<div class="bi-tt-head">${escapeHtml(list[0].axisValueLabel || list[0].name)}</div>`;
    let total = 0;
    for (const p of list) {
      const value = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
      total += toNumber(value);
      html += `<div class="bi-tt-row">${dot(p.color)}<span class="bi-tt-name">${escapeHtml(p.seriesName)}</span><span class="bi-tt-value">${escapeHtml(formatNumber(value, format, "full"))}</span></div>`;
    }
    if (withTotal) html += `<div class="bi-tt-row bi-tt-total"><span class="bi-tt-name">Total</span><span class="bi-tt-value">${escapeHtml(formatNumber(total, format, "full"))}</span></div>`;
    return html;
  }

  function chartColors() {
    const style = window.getComputedStyle(root);
    const v = (name, fallback) => (style.getPropertyValue(name) || "").trim() || fallback;
    return {
      ink: v("--bi-ink", "#1f2430"), muted: v("--bi-muted", "#5d6576"), line: v("--bi-line", "#dfe3ea"),
      grid: v("--bi-grid", "#eceff4"), card: v("--bi-card", "#ffffff"), accent: v("--bi-accent", PALETTE[0]), font: style.fontFamily || "system-ui, sans-serif",
    };
  }

  function fileNameFrom(disposition) {
    if (!disposition) return null;
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star) { try { return decodeURIComponent(star[1].trim()); } catch { /* fall through */ } }
    const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
    return plain ? plain[1].trim() : null;
  }

  function slugify(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "chart";
  }
})();
