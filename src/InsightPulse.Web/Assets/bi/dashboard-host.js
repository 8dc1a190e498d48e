// BI: a tenant page that shows an embedded dashboard, with Superset's own @superset-ui/embedded-sdk
// (/assets/vendor/superset-embedded-sdk.js, loaded before this file) called exactly as Superset's docs show.
//
// <div id="bi-host" data-embedded-uuid="…" data-bi-domain="https://bi.example" data-guest-token-url="/dashboards/<slug>/guest-token"
//      data-antiforgery="…" data-title="…" data-hide-title="false" data-hide-tab="false" data-hide-chart-controls="false"
//      data-filters-visible="true" data-filters-expanded="true"></div>
// The iframe follows its content's height (getScrollSize, polled); a refused token request shows why.
(() => {
  "use strict";

  const host = document.getElementById("bi-host");
  if (!host) return;
  const data = host.dataset;
  const flag = (value, fallback) => (value === undefined || value === "" ? fallback : value === "true");

  const status = document.createElement("p");
  status.className = "bi-host-status";
  status.setAttribute("role", "status");
  status.textContent = "Loading dashboard…";
  const warning = document.createElement("p");
  warning.className = "bi-host-warning";
  warning.setAttribute("role", "alert");
  warning.hidden = true;
  const mountPoint = document.createElement("div");
  mountPoint.className = "bi-host-frame";
  host.replaceChildren(status, warning, mountPoint);
  host.classList.add("bi-host");

  // The SDK creates the iframe: size it as soon as it appears (bi.css does the same when it is loaded).
  new MutationObserver(() => {
    const frame = mountPoint.querySelector("iframe");
    if (!frame || frame.dataset.sized) return;
    frame.dataset.sized = "true";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.display = "block";
    if (!frame.style.height) frame.style.height = "640px";
  }).observe(mountPoint, { childList: true });

  const sdk = window.supersetEmbeddedSdk;
  if (!sdk || typeof sdk.embedDashboard !== "function") {
    showError("The dashboard library did not load.", "Reload the page; if it keeps happening, tell your administrator.");
    return;
  }

  let embedded = null;

  async function requestGuestToken() {
    let response;
    try {
      response = await fetch(data.guestTokenUrl, {
        method: "POST",
        headers: { "RequestVerificationToken": data.antiforgery || "", Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      throw new Error("The server could not be reached to open this dashboard.");
    }
    if (!response.ok) {
      let message = null;
      try { const body = await response.json(); message = body && (body.message || body.detail || body.title); } catch { message = null; }
      if (response.status === 401) throw new Error("Your session has ended: sign in again to see this dashboard.");
      if (response.status === 403) throw new Error(message || "You do not have access to this dashboard (403).");
      throw new Error(message || `The server refused to open this dashboard (${response.status}).`);
    }
    const json = await response.json();
    if (!json || typeof json.token !== "string" || json.token === "") throw new Error("The server answered without a guest token.");
    return json.token;
  }

  // The SDK calls this once at start and again before each token expires (retrying every 10 s after a failure).
  function fetchGuestToken() {
    return requestGuestToken().then(
      (token) => { warning.hidden = true; return token; },
      (error) => {
        if (embedded) { warning.textContent = `Could not renew access to this dashboard: ${error.message} Retrying…`; warning.hidden = false; }
        throw error;
      });
  }

  sdk.embedDashboard({
    id: data.embeddedUuid,
    supersetDomain: data.biDomain || window.location.origin,
    mountPoint,
    fetchGuestToken,
    iframeTitle: data.title || "Dashboard",
    dashboardUiConfig: {
      hideTitle: flag(data.hideTitle, false),
      hideTab: flag(data.hideTab, false),
      hideChartControls: flag(data.hideChartControls, false),
      filters: { visible: flag(data.filtersVisible, true), expanded: flag(data.filtersExpanded, true) },
    },
  }).then((dashboard) => {
    embedded = dashboard;
    status.hidden = true;
    followContentSize(dashboard);
  }, (error) => {
    showError("This dashboard could not be opened.", error && error.message ? error.message : String(error));
  });

  function followContentSize(dashboard) {
    let last = 0;
    let busy = false;
    const measure = async () => {
      if (busy) return;
      busy = true;
      try {
        const size = await dashboard.getScrollSize();
        const frame = mountPoint.querySelector("iframe");
        if (frame && size && size.height > 0 && Math.abs(size.height - last) > 1) {
          last = size.height;
          frame.style.height = `${Math.ceil(size.height)}px`;
        }
      } catch {
        // the iframe is reloading or gone: try again on the next tick
      } finally {
        busy = false;
      }
    };
    measure();
    window.setInterval(measure, 1000);
    window.addEventListener("resize", measure);
  }

  function showError(title, detail) {
    status.hidden = true;
    const box = document.createElement("div");
    box.className = "bi-host-error";
    box.setAttribute("role", "alert");
    const text = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = title;
    text.append(strong, document.createTextNode(detail || ""));
    box.append(text);
    mountPoint.replaceChildren(box);
  }
})();
