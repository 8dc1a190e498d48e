// Operator console: follows a tenant's provisioning live (server-sent events from /console/tenants/<code>/events).
(function () {
  "use strict";
  var list = document.querySelector('[data-testid="provision-steps"]');
  if (!list || list.getAttribute("data-live") !== "true" || !window.EventSource) return;
  var state = document.querySelector('[data-testid="tenant-state"]');
  var source = new EventSource(list.getAttribute("data-events"));
  var run = list.getAttribute("data-run") || "";

  function text(step) {
    var parts = [step.step, step.outcome || "running"];
    if (step.milliseconds !== null && step.milliseconds !== undefined) parts.push(step.milliseconds + " ms");
    if (step.error) parts.push(step.error);
    return parts.join(" · ");
  }

  source.addEventListener("step", function (e) {
    var step = JSON.parse(e.data);
    var runId = (e.lastEventId || "").split(":")[0];
    if (runId && runId !== run) { list.textContent = ""; run = runId; } // a new run: start its list afresh
    var item = list.querySelector('[data-step="' + CSS.escape(step.step) + '"]');
    if (!item) { item = document.createElement("li"); item.setAttribute("data-step", step.step); list.appendChild(item); }
    item.setAttribute("data-outcome", step.outcome || "running");
    item.textContent = text(step);
  });

  source.addEventListener("state", function (e) {
    var done = JSON.parse(e.data);
    source.close(); // the run ended: do not let EventSource reconnect
    if (state) { state.textContent = done.state; state.className = "badge " + done.state; }
    var summary = document.querySelector('[data-testid="run-summary"]');
    if (summary) summary.textContent = "Run " + (done.outcome || "ended") + ".";
    list.setAttribute("data-live", "false");
    if (done.error) {
      var item = document.createElement("li");
      item.className = "error";
      item.textContent = done.error;
      list.appendChild(item);
    }
  });
})();
