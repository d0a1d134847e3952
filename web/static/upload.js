// Follows the upload jobs listed on the page until each is filed or refused.
(function () {
  "use strict";
  var table = document.getElementById("jobs");
  if (!table) { return; }
  // The words come from the page (data-labels, data-open-label), translated like the rest of it.
  var labels = JSON.parse(table.dataset.labels || "{}");
  function rows() { return Array.prototype.slice.call(table.querySelectorAll("tr[data-job]")); }
  function poll() {
    var pending = rows().filter(function (r) { return !r.dataset.done; });
    if (!pending.length) { return; }
    var ids = pending.map(function (r) { return r.dataset.job; }).join(",");
    fetch(table.dataset.statusUrl + "?ids=" + ids, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (jobs) {
        jobs.forEach(function (job) {
          var row = table.querySelector('tr[data-job="' + job.job + '"]');
          var state = job.state === "done" ? job.status : job.state;
          var held = job.state === "done" && job.secrecy_pending;
          row.querySelector(".state").textContent = held ? table.dataset.heldLabel : (labels[state] || state);
          row.className = held ? state + " held" : state;
          if (job.state === "failed") {
            row.dataset.done = "1";
            row.querySelector(".note").textContent = job.reason || "";
          }
          if (job.state === "done") {
            row.dataset.done = "1";
            var note = row.querySelector(".note");
            if (held && job.id) {
              // Held back until its level is set: the review page is where that happens.
              var review = document.createElement("a");
              review.href = table.dataset.reviewUrl.replace(/0$/, job.id);
              review.textContent = table.dataset.heldNote;
              note.appendChild(review);
            } else if (job.id && job.status !== "quarantined") {
              var link = document.createElement("a");
              link.href = table.dataset.documentUrl.replace(/0$/, job.id);
              link.textContent = table.dataset.openLabel + " " + job.id;
              note.appendChild(link);
            } else {
              note.textContent = job.reason || "";
            }
          }
        });
      })
      .finally(function () { window.setTimeout(poll, 1000); });
  }
  poll();
})();
