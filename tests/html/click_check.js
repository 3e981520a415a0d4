// click_check.js - appended to a report by tests/cli/html_chromium.sh (its hash added to the
// page's Content-Security-Policy): checks the page's structure, clicks every passage and
// records the outcome as attributes of <body>, so a headless --dump-dom run can see them.
(function () {
  "use strict";
  var body = document.body, n = Number(body.getAttribute("data-ovl-passages"));
  var empty = 0, one = 1, ok = 0, bad = 0, edits = 0;
  Array.prototype.forEach.call(document.querySelectorAll("mark"), function (m) {
    if (m.textContent.replace(/\s/g, "") === "") empty++;
  });
  for (var k = 0; k < n; k++) {
    if (document.querySelectorAll("[id=\"p" + k + "a\"]").length !== 1 ||
        document.querySelectorAll("[id=\"p" + k + "b\"]").length !== 1) one = 0;
  }
  Array.prototype.forEach.call(document.querySelectorAll("mark[id$=\"a\"][data-pair]"), function (m) {
    var k = m.getAttribute("data-pair"), b = document.getElementById("p" + k + "b");
    var box = document.getElementById("s" + k);
    if (!b || !box) { bad++; return; }
    b.classList.remove("flash");
    m.click();
    if (!box.hidden && b.classList.contains("flash")) ok++; else bad++;
    Array.prototype.forEach.call(box.querySelectorAll("del, ins"), function (e) {
      if (e.textContent.length > 0 && e.getClientRects().length > 0) edits++;
    });
  });
  var links = 0;
  Array.prototype.forEach.call(document.querySelectorAll("[href], [src]"), function () { links++; });
  var handlers = 0;
  Array.prototype.forEach.call(document.querySelectorAll("*"), function (e) {
    for (var i = 0; i < e.attributes.length; i++)
      if (/^on/i.test(e.attributes[i].name)) handlers++;
  });
  body.setAttribute("data-empty-marks", String(empty));
  body.setAttribute("data-one-mark", String(one));
  body.setAttribute("data-sources", String(document.querySelectorAll("table.sources tr[data-src]").length));
  body.setAttribute("data-click-ok", String(ok));
  body.setAttribute("data-click-bad", String(bad));
  body.setAttribute("data-edits", String(edits));
  body.setAttribute("data-imgs", String(document.getElementsByTagName("img").length));
  body.setAttribute("data-links", String(links));
  body.setAttribute("data-handlers", String(handlers));
})();
