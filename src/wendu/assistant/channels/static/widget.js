// wendu web chat widget: first-party token in memory only, replies over server-sent events.
(function () {
  "use strict";
  var root = document.getElementById("wendu-chat");
  var config = JSON.parse(root.getAttribute("data-config"));
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var token = null, sessionId = null, lastId = 0;

  function show(author, text) {
    var li = document.createElement("li");
    li.className = "msg " + author;
    li.textContent = text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }
  function api(method, path, body) {
    return fetch(path, {
      method: method, credentials: "same-origin",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json",
                 "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) { return r.json(); });
  }
  // EventSource cannot send an Authorization header, so read the SSE stream with fetch.
  function listen() {
    fetch("/chat/v1/sessions/" + sessionId + "/events?wait=25&after=" + lastId, {
      headers: { "Authorization": "Bearer " + token, "Accept": "text/event-stream" }
    }).then(function (r) {
      var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { return listen(); }
          buffer += decoder.decode(chunk.value, { stream: true });
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(function (part) {
            var event = "message", data = "";
            part.split("\n").forEach(function (line) {
              if (line.indexOf("event: ") === 0) { event = line.slice(7); }
              if (line.indexOf("data: ") === 0) { data += line.slice(6); }
            });
            if (event === "message") {
              var m = JSON.parse(data);
              if (m.id > lastId) { lastId = m.id; show(m.author, m.text); }
            }
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () { setTimeout(listen, 3000); });
  }
  function start() {
    if (!config.signedIn) {
      window.location.href = config.login + "?next=" + encodeURIComponent("/chat/widget");
      return;
    }
    fetch("/chat/widget/token", { method: "POST", credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (t) { token = t.access_token; return api("POST", "/chat/v1/sessions",
        { channel: "web_widget", language: config.lang }); })
      .then(function (s) { sessionId = s.session_id; listen(); });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || !sessionId) { return; }
    input.value = "";
    show("customer", text);
    api("POST", "/chat/v1/sessions/" + sessionId + "/messages", { text: text });
  });
  start();
})();
