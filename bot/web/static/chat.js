// The web chat: a small client of /api/chat. Text is inserted with textContent
// only, never as HTML, so nothing a message contains can run in the page.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var select = document.getElementById("lang");

  function add(cls, text, lang) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    if (lang) div.lang = lang === "tl" ? "tl" : lang;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  function render(data) {
    if (data.lang && select.value !== data.lang) select.value = data.lang;
    document.documentElement.lang = data.lang || "ja";
    data.replies.forEach(function (reply) {
      add("bot", reply.text, data.lang);
      if (!reply.buttons.length) return;
      var row = document.createElement("div");
      row.className = "buttons";
      row.setAttribute("role", "group");
      reply.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.label;
        btn.dataset.postback = b.data;
        btn.addEventListener("click", function () { send({ postback: b.data }, b.label); });
        row.appendChild(btn);
      });
      log.appendChild(row);
      log.scrollTop = log.scrollHeight;
    });
  }

  function send(body, shown) {
    if (shown) add("me", shown);
    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); })
      .then(render)
      .catch(function () { add("bot", "…"); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });
  select.addEventListener("change", function () {
    send({ postback: "lang:" + select.value }, select.options[select.selectedIndex].text);
  });
  var browser = (navigator.language || "ja").toLowerCase();
  send({ start: true, lang: ["ja", "vi", "pt", "es", "tl", "en", "zh"].indexOf(browser.split("-")[0]) >= 0 ? browser.split("-")[0] : undefined });
})();
