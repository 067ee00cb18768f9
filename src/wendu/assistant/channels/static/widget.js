// wendu web chat widget: first-party token in memory only, replies over server-sent events;
// after a reload the server hands back the open chat and the page shows its transcript.
(function () {
  "use strict";
  var root = document.getElementById("wendu-chat");
  var config = JSON.parse(root.getAttribute("data-config"));
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var send = document.getElementById("send");
  var statusLine = document.getElementById("status");
  var TEXTS = {
    zh: {
      bot: "正在与智能助理对话", queued: "正在等待人工客服", assigned: "人工客服为您服务中",
      resolved: "问题已解决", closed: "会话已结束", connecting: "正在连接…",
      notSent: "消息发送失败：", failedStart: "无法开始会话：", lost: "与服务器的连接已中断：",
      restart: "请刷新页面重新开始。", network: "网络错误，请稍后再试。"
    },
    zhHant: {
      bot: "正在與智能助理對話", queued: "正在等候人工客服", assigned: "人工客服為您服務中",
      resolved: "問題已解決", closed: "對話已結束", connecting: "正在連線…",
      notSent: "訊息傳送失敗：", failedStart: "無法開始對話：", lost: "與伺服器的連線已中斷：",
      restart: "請重新載入頁面再試。", network: "連線出錯，請稍後再試。"
    },
    en: {
      bot: "Chatting with the assistant", queued: "Waiting for a colleague",
      assigned: "Chatting with a colleague", resolved: "Resolved", closed: "This chat has ended",
      connecting: "Connecting…", notSent: "Your message could not be sent: ",
      failedStart: "The chat could not start: ", lost: "The chat stopped receiving replies: ",
      restart: "Please reload the page to start again.",
      network: "Network error, please try again."
    }
  };
  // A Traditional Chinese browser (zh-HK, zh-TW) reads Traditional; the server decided which.
  var hant = config.lang === "zh" && /^Hant/.test(config.script || "");
  var t = hant ? TEXTS.zhHant : (TEXTS[config.lang] || TEXTS.zh);
  var token = null, sessionId = null, lastEventId = 0, listening = false;
  var shown = {};  // ids of server messages already on the page

  function show(author, text, id) {
    if (id !== undefined) {
      if (shown[id]) { return null; }
      shown[id] = true;
    }
    var li = document.createElement("li");
    li.className = "msg " + author;
    li.textContent = text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }
  function showError(prefix, error) {
    // An HTTP refusal carries the API's message; a failed fetch says only "network error".
    var li = show("error", prefix + (error && error.status ? error.message : t.network));
    li.setAttribute("role", "alert");
    if (error && (error.status === 401 || error.status === 403)) {
      li.textContent += " " + t.restart;
    }
  }
  function setStatus(status) {
    statusLine.textContent = t[status] || status;
    statusLine.setAttribute("data-status", status);
  }
  // Reject with an Error carrying the HTTP status and the API's own message (OB error body).
  function failure(r) {
    return r.text().then(function (body) {
      var message = r.status + " " + r.statusText;
      try {
        var data = JSON.parse(body);
        var first = data.Errors && data.Errors[0];
        message = (first && first.Message) || data.Message || data.error_description || message;
      } catch (ignored) { /* not JSON: keep the status line */ }
      var error = new Error(message);
      error.status = r.status;
      throw error;
    });
  }
  function json(r) { return r.ok ? r.json() : failure(r); }
  function api(method, path, body) {
    return fetch(path, {
      method: method, credentials: "same-origin",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json",
                 "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(json);
  }
  function onEvent(event, data) {
    if (event === "message") {
      var m = JSON.parse(data);
      if (m.id > lastEventId) { lastEventId = m.id; }
      show(m.author, m.text, m.id);
    } else if (event === "status") {
      setStatus(JSON.parse(data).status);
    }
  }
  // EventSource cannot send an Authorization header, so read the SSE stream with fetch.
  function listen() {
    listening = true;
    fetch("/chat/v1/sessions/" + sessionId + "/events?wait=25&after=" + lastEventId, {
      headers: { "Authorization": "Bearer " + token, "Accept": "text/event-stream" }
    }).then(function (r) {
      if (!r.ok) { return failure(r); }
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
            onEvent(event, data);
          });
          return pump();
        });
      }
      return pump();
    }).catch(function (error) {
      if (error.status && error.status < 500) {
        // Refused (token revoked or expired, chat gone): retrying cannot help.
        listening = false;
        showError(t.lost, error);
        return;
      }
      setTimeout(listen, 3000);
    });
  }
  function ready(id, status) {
    sessionId = id;
    setStatus(status || "bot");
    input.disabled = false;
    send.disabled = false;
    input.focus();
    listen();
  }
  // A reload continues the open chat: show its transcript, then follow the stream from there.
  function resume(id) {
    function page(after) {
      return api("GET", "/chat/v1/sessions/" + id + "/messages?after=" + after)
        .then(function (transcript) {
          transcript.messages.forEach(function (m) {
            if (m.id > lastEventId) { lastEventId = m.id; }
            show(m.author, m.text, m.id);
          });
          return transcript.more ? page(lastEventId) : transcript;
        });
    }
    return page(0).then(function (transcript) { ready(id, transcript.status); });
  }
  function start() {
    if (!config.signedIn) {
      // The login page sends the customer back here, in the language they chose there.
      window.location.href = config.login + "?next=" + encodeURIComponent("/chat/widget") +
        "&lang=" + config.lang;
      return;
    }
    statusLine.textContent = t.connecting;
    fetch("/chat/widget/token", { method: "POST", credentials: "same-origin" })
      .then(json)
      .then(function (issued) {
        token = issued.access_token;
        if (issued.session_id) { return resume(issued.session_id); }
        return api("POST", "/chat/v1/sessions", {
          channel: "web_widget", language: config.lang, script: config.script || ""
        })
          .then(function (session) { ready(session.session_id); });
      })
      .catch(function (error) {
        if (error.status === 401) {  // the bank's sign-in expired: sign in again
          config.signedIn = false;
          start();
          return;
        }
        showError(t.failedStart, error);
      });
  }
  function submit() {
    var text = input.value.trim();
    if (!text || !sessionId) { return; }
    input.value = "";
    input.focus();
    var echo = show("customer", text);
    echo.classList.add("pending");
    api("POST", "/chat/v1/sessions/" + sessionId + "/messages", { text: text })
      .then(function (result) {
        echo.classList.remove("pending");
        if (result.message) {
          // Show what the bank stored (card and ID numbers masked), not what was typed.
          echo.textContent = result.message.text;
          shown[result.message.id] = true;
        }
        (result.replies || []).forEach(function (m) { show(m.author, m.text, m.id); });
        if (result.status) { setStatus(result.status); }
      })
      .catch(function (error) {
        echo.classList.remove("pending");
        echo.classList.add("failed");
        showError(t.notSent, error);
      });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    submit();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      // Enter sends (but not while an input method is composing Chinese characters).
      e.preventDefault();
      submit();
    }
  });
  start();
})();
