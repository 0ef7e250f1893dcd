// Hotpass web UI: live updates over server-sent events, local times and
// keyboard shortcuts. Every page works without this file.
(function () {
  "use strict";

  var terminal = { succeeded: 1, failed: 1, cancelled: 1, crashed: 1, skipped: 1 };

  // Times: the server writes UTC; show them in the viewer's zone, named.
  function localTimes() {
    var zone = "UTC";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { /* keep UTC */ }
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat("en-GB", {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
        second: "2-digit", hourCycle: "h23", timeZoneName: "short"
      });
    } catch (e) { return; }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) { return; }
      var p = {};
      fmt.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
      el.textContent = p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second + " " + (p.timeZoneName || "");
      el.title = el.getAttribute("datetime");
    });
    var tz = document.getElementById("tz");
    if (tz) { tz.textContent = zone; }
  }

  function setBadge(el, status) {
    if (!el) { return; }
    el.className = "badge st-" + status;
    el.textContent = status;
  }

  function typing() {
    var a = document.activeElement;
    return a && (a.tagName === "INPUT" || a.tagName === "SELECT" || a.tagName === "TEXTAREA");
  }

  // applyState colours the graph, timeline and task table after a change.
  function applyState(st) {
    document.querySelectorAll("[data-task]").forEach(function (el) {
      var s = st.tasks[el.getAttribute("data-task")];
      if (!s) { return; }
      if (el.classList.contains("node")) {
        el.querySelectorAll(".box, .dot").forEach(function (shape) {
          shape.setAttribute("class", shape.getAttribute("class").replace(/\bst-[a-z]+/, "st-" + s));
        });
      } else if (el.tagName.toLowerCase() === "rect") {
        el.setAttribute("class", el.getAttribute("class").replace(/\bst-[a-z]+/, "st-" + s));
      } else {
        setBadge(el.querySelector(".task-status .badge"), s);
      }
    });
    var rs = document.querySelector("#run-status .badge");
    if (rs) {
      var was = rs.textContent;
      setBadge(rs, st.status);
      if (terminal[st.status] && was !== st.status) {
        // The run ended: reload for its final record (errors, timings).
        window.location.reload();
      }
    }
  }

  function live() {
    var url = document.body.getAttribute("data-live");
    if (!url || !window.EventSource) { return; }
    var es = new EventSource(url);
    var first = null;
    var badge = document.getElementById("live");
    es.onerror = function () { if (badge) { badge.classList.add("off"); } };
    es.onopen = function () { if (badge) { badge.classList.remove("off"); } };
    es.addEventListener("runs", function (ev) {
      if (first === null) { first = ev.data; return; }
      if (ev.data !== first && !typing()) { window.location.reload(); }
    });
    es.addEventListener("state", function (ev) { applyState(JSON.parse(ev.data)); });
    es.addEventListener("log", function (ev) {
      var m = JSON.parse(ev.data);
      var log = document.getElementById("log");
      if (log && m.text) {
        var atEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
        log.appendChild(document.createTextNode(m.text));
        if (atEnd) { window.scrollTo(0, document.body.scrollHeight); }
      }
      setBadge(document.querySelector("#task-status .badge"), m.status);
      if (terminal[m.status] && !m.text) { es.close(); if (badge) { badge.classList.add("off"); } }
    });
  }

  // Keyboard: "g r" runs, "g d" deployments, "/" the first filter; pages
  // may declare more keys with data-key on a button or link.
  function keys() {
    var pending = "";
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || typing()) { return; }
      var k = e.key;
      if (pending === "g") {
        pending = "";
        if (k === "r") { window.location.href = "/"; } else if (k === "d") { window.location.href = "/deployments"; } else if (k === "v") { window.location.href = "/review"; }
        return;
      }
      if (k === "g") { pending = "g"; return; }
      if (k === "/") {
        var f = document.querySelector(".filters input, .filters select");
        if (f) { e.preventDefault(); f.focus(); }
        return;
      }
      var target = document.querySelector('[data-key="' + k + '"]');
      if (target && !target.disabled) { e.preventDefault(); target.click(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    live();
    keys();
    // Tells automated tests the page listens to keys now.
    document.documentElement.setAttribute("data-ready", "1");
  });
})();
