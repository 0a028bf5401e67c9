// A pending submission's page: each case's verdict is added as it is graded
// (server-sent events, or polling where they are unavailable), then the page
// reloads once to show the full feedback.
document.addEventListener("DOMContentLoaded", function () {
  var table = document.getElementById("cases");
  if (!table || table.dataset.pending !== "yes") return;
  var id = table.dataset.submission, body = table.querySelector("tbody");
  var seen = {};
  body.querySelectorAll("tr.case").forEach(function (row, index) { seen[index] = true; });

  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function add(c) {
    if (seen[c.index]) return;
    seen[c.index] = true;
    var row = document.createElement("tr");
    row.className = "case fresh";
    var name = cell(row, "");
    var code = document.createElement("code");
    code.textContent = c.name;
    name.appendChild(code);
    var v = cell(row, "");
    var badge = document.createElement("span");
    badge.className = "v v-" + c.verdict;
    badge.textContent = c.verdict;
    v.appendChild(badge);
    cell(row, c.score + "/" + c.max_score, "num");
    cell(row, (c.visibility === "hidden" ? "\u2264" : "") + c.time_ms + " ms", "num");
    cell(row, c.verdict === "AC" ? "" : c.message);
    body.appendChild(row);
  }
  function restart() {
    seen = {};
    body.textContent = "";
  }
  function status(s) {
    var node = document.getElementById("status");
    if (node && s) node.dataset.status = s;
  }
  function finished() {
    table.dataset.pending = "no";
    setTimeout(function () { window.location.reload(); }, 400);
  }
  if (window.EventSource) {
    var source = new EventSource("/api/v1/submissions/" + id + "/events");
    source.addEventListener("case", function (e) { add(JSON.parse(e.data)); });
    source.addEventListener("restart", restart);
    source.addEventListener("status", function (e) { status(JSON.parse(e.data).status); });
    source.addEventListener("done", function () { source.close(); finished(); });
    return;
  }
  (function poll() {
    fetch("/api/v1/submissions/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var cases = data.report ? data.report.cases : (data.cases || []);
        cases.forEach(function (c, index) { c.index = index; add(c); });
        if (data.status === "done" || data.status === "failed") finished();
        else setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  })();
});
