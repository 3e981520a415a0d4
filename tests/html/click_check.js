// click_check.js - appended to a report by tests/cli/html_chromium.sh: clicks every highlight
// and records whether its partner flashed, so a headless --dump-dom run can see the outcome.
(function () {
  "use strict";
  var ok = 0, bad = 0;
  var marks = document.querySelectorAll("mark[data-pair]");
  Array.prototype.forEach.call(marks, function (m) {
    var k = m.getAttribute("data-pair"), side = m.getAttribute("data-side");
    var other = document.getElementById("p" + k + (side === "a" ? "b" : "a"));
    if (!other) { bad++; return; }
    other.classList.remove("flash");
    m.click();
    if (other.classList.contains("flash")) ok++; else bad++;
  });
  document.body.setAttribute("data-click-ok", String(ok));
  document.body.setAttribute("data-click-bad", String(bad));
})();
