// The web chat: a small client of /api/chat. Text is inserted as text nodes (and
// https links as <a> elements), never as HTML, so nothing a message contains can run.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var select = document.getElementById("lang");

  function add(cls, text, lang) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    // https links (maps, city pages) become links; everything else stays text.
    String(text).split(/(https:\/\/[^\s<>"]+)/).forEach(function (part, i) {
      if (i % 2 === 1) {
        var a = document.createElement("a");
        a.href = part;
        a.textContent = part;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        div.appendChild(a);
      } else if (part) {
        div.appendChild(document.createTextNode(part));
      }
    });
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
        if (b.data === LOCATION) {
          btn.className = "location";
          btn.addEventListener("click", function () { sendPosition(b.label); });
        } else {
          btn.addEventListener("click", function () { send({ postback: b.data }, b.label); });
        }
        row.appendChild(btn);
      });
      log.appendChild(row);
      log.scrollTop = log.scrollHeight;
    });
  }

  // "Send my location": the bot's message just above says what it is used for
  // (finding the nearest evacuation sites); the browser asks for permission.
  var LOCATION = "@location";
  function sendPosition(label) {
    if (!navigator.geolocation) {
      send({ postback: "shelter:noposition" });
      return;
    }
    navigator.geolocation.getCurrentPosition(function (pos) {
      send({ location: { lat: pos.coords.latitude, lon: pos.coords.longitude } }, "\uD83D\uDCCD " + label);
    }, function () {
      send({ postback: "shelter:noposition" }, "\uD83D\uDCCD " + label);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function send(body, shown) {
    if (shown) add("me", shown);
    return fetch(document.body.getAttribute("data-api") || "/api/chat", {
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
