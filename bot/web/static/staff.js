// resbot staff pages: the live preview of the entry editor (furigana, the
// easy-Japanese checker, LINE / Telegram / web chat). The server renders the
// preview (escaped by Jinja); without JavaScript, saving still shows it.
"use strict";

(function () {
  const form = document.getElementById("entry-form");
  const target = document.getElementById("preview");
  if (!form || !target) return;
  const url = form.dataset.preview;
  let timer = 0;
  let latest = 0;

  async function refresh() {
    const mine = ++latest;
    const body = new URLSearchParams(new FormData(form));
    target.classList.add("is-loading");
    try {
      const response = await fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": body.get("csrf") || "" },
      });
      if (mine !== latest) return;
      if (!response.ok || response.redirected) {
        target.dataset.error = "Preview unavailable (" + response.status + ")";
        return;
      }
      target.innerHTML = await response.text();
    } catch (err) {
      target.dataset.error = "Preview unavailable";
    } finally {
      if (mine === latest) target.classList.remove("is-loading");
    }
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();

// The entry editor's "読み方を直す / Fix a reading": saved without leaving the page
// (the answer being typed stays), then the live preview is fetched again and
// shows the new reading. Without JavaScript the form posts and the page reloads.
(function () {
  const form = document.getElementById("reading");
  const entry = document.getElementById("entry-form");
  const note = document.getElementById("reading-note");
  if (!form || !entry || !note) return;

  function say(text, ok) {
    note.textContent = text;
    note.className = ok ? "note-ok" : "problem";
    note.hidden = false;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": body.get("csrf") || "" },
      });
      const type = response.headers.get("content-type") || "";
      if (!type.includes("application/json")) {
        say("保存できませんでした / Not saved (" + response.status + ")", false);
        return;
      }
      const data = await response.json();
      if (!data.ok) {
        say((data.problems || []).join(" "), false);
        return;
      }
      form.querySelector("input[name=base]").value = data.base;
      say(data.message, true);
      entry.dispatchEvent(new Event("change")); // the live preview refreshes
    } catch (err) {
      say("保存できませんでした / Not saved", false);
    } finally {
      if (button) button.disabled = false;
    }
  });
})();

// Broadcasts: choosing a template opens its form at once.
(function () {
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit();
    });
  });
})();

// Broadcasts: the seven preview languages as tabs, switched without a round trip
// (without JavaScript a tab is a link or re-posts the form, which works too).
(function () {
  const list = document.querySelector(".tabs[role=tablist]");
  if (!list) return;
  list.addEventListener("click", function (event) {
    const tab = event.target.closest("[role=tab]");
    if (!tab) return;
    event.preventDefault();
    const lang = tab.dataset.lang;
    list.querySelectorAll("[role=tab]").forEach(function (t) {
      t.setAttribute("aria-selected", t === tab ? "true" : "false");
    });
    document.querySelectorAll("[role=tabpanel]").forEach(function (panel) {
      panel.hidden = panel.id !== "pv-" + lang;
    });
    // Saving or previewing again keeps the language; a test-send defaults to it.
    document.querySelectorAll("[data-keeps-lang]").forEach(function (b) {
      b.value = lang;
    });
    const testLang = document.getElementById("test-lang");
    if (testLang) testLang.value = lang;
    if (tab.tagName === "A") history.replaceState(null, "", tab.getAttribute("href"));
  });
})();

// Broadcasts: follow a delivery until nothing is pending.
(function () {
  const box = document.getElementById("bc-status");
  if (!box || box.dataset.state !== "queued") return;
  const url = box.dataset.url;

  function show(name, value) {
    const cell = box.querySelector('[data-count="' + name + '"]');
    if (cell) cell.textContent = String(value);
  }

  async function poll() {
    let state = "queued";
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok && !response.redirected) {
        const st = await response.json();
        const pending = st.pending + st.sending;
        show("sent", st.sent);
        show("failed", st.failed);
        show("blocked", st.blocked);
        show("pending", pending);
        show("other", st.cancelled + st.skipped);
        show("total", st.total);
        const bar = document.getElementById("bc-progress");
        if (bar) {
          bar.max = Math.max(st.total, 1);
          bar.value = st.total - pending;
        }
        state = st.state;
        document.querySelectorAll('[data-field="state"]').forEach(function (el) {
          el.textContent = state;
          el.className = "state st-" + state;
        });
      }
    } catch (err) {
      // the server restarting: keep trying
    }
    if (state === "queued") {
      window.setTimeout(poll, 1500);
    } else {
      box.querySelectorAll("[data-live]").forEach(function (el) {
        el.remove();
      });
    }
  }

  window.setTimeout(poll, 1000);
})();
