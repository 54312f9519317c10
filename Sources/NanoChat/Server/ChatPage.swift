/// The chat page served at `/` (one self-contained HTML file, as nanochat's ui.html): a message list with
/// streamed replies, Enter sends / Shift+Enter adds a line, a new-conversation button, regenerate the last
/// reply, click a user message to edit and resend it, click an assistant message to regenerate it (as
/// nanochat's ui.html), slash commands (/temperature, /topk, /clear, /help). A failed or empty reply
/// takes its unanswered message back out of the conversation and into the input box, so the next send
/// never makes two user turns in a row. It talks to POST /chat/completions and reads the server-sent
/// events as they arrive.
enum ChatPage {
    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>NanoChat</title>
<style>
  :root { --bg: #ffffff; --fg: #1f2328; --muted: #6e7781; --user: #eef2ff; --border: #d8dee4; --accent: #2563eb; }
  * { box-sizing: border-box; }
  html, body { height: 100%; margin: 0; }
  body { font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
         display: flex; flex-direction: column; }
  header { display: flex; align-items: center; gap: 8px; padding: 10px 14px; border-bottom: 1px solid var(--border); }
  header h1 { font-size: 18px; margin: 0; flex: 1; }
  button { font: inherit; font-size: 14px; padding: 6px 12px; border: 1px solid var(--border); border-radius: 8px; background: #f6f8fa; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
  #messages { flex: 1; overflow-y: auto; padding: 16px 14px; display: flex; flex-direction: column; gap: 12px; max-width: 820px; width: 100%; margin: 0 auto; }
  .message { white-space: pre-wrap; word-wrap: break-word; padding: 10px 14px; border-radius: 12px; max-width: 92%; }
  .message.user { align-self: flex-end; background: var(--user); cursor: pointer; }
  .message.user:hover { outline: 1px solid var(--accent); }
  .message.assistant { align-self: flex-start; border: 1px solid var(--border); cursor: pointer; }
  .message.assistant:hover { outline: 1px solid var(--border); }
  .message.system { align-self: center; color: var(--muted); font-size: 14px; }
  .message.error { align-self: center; color: #b42318; font-size: 14px; }
  footer { border-top: 1px solid var(--border); padding: 10px 14px calc(10px + env(safe-area-inset-bottom)); }
  #composer { display: flex; gap: 8px; max-width: 820px; margin: 0 auto; }
  #input { flex: 1; resize: none; font: inherit; padding: 10px; border: 1px solid var(--border); border-radius: 10px; max-height: 40vh; }
  #hint { max-width: 820px; margin: 4px auto 0; color: var(--muted); font-size: 12px; }
  @media (max-width: 600px) { body { font-size: 15px; } .message { max-width: 100%; } header h1 { font-size: 16px; } }
</style>
</head>
<body>
<header>
  <h1>NanoChat</h1>
  <button id="regenerate" title="Generate the last reply again" disabled>Regenerate</button>
  <button id="new-chat" title="Start a new conversation">New chat</button>
</header>
<main id="messages" aria-live="polite"></main>
<footer>
  <div id="composer">
    <textarea id="input" rows="1" placeholder="Message NanoChat (Enter sends, Shift+Enter adds a line, /help)" autofocus></textarea>
    <button id="send">Send</button>
  </div>
  <div id="hint"></div>
</footer>
<script>
"use strict";
const messagesEl = document.getElementById("messages");
const input = document.getElementById("input");
const sendBtn = document.getElementById("send");
const regenBtn = document.getElementById("regenerate");
const settings = { temperature: 0.8, top_k: 50 };
let conversation = [];   // [{role, content}]
let busy = false;

function showHint() { document.getElementById("hint").textContent = `temperature ${settings.temperature} · top-k ${settings.top_k}`; }

function render() {
  messagesEl.innerHTML = "";
  conversation.forEach((m, i) => {
    const div = document.createElement("div");
    div.className = "message " + m.role;
    div.textContent = m.content;
    if (m.role === "user") { div.title = "Click to edit and resend"; div.onclick = () => editMessage(i); }
    if (m.role === "assistant") { div.title = "Click to generate this reply again"; div.onclick = () => regenerateFrom(i); }
    messagesEl.appendChild(div);
  });
  regenBtn.disabled = busy || !conversation.some(m => m.role === "assistant");
  messagesEl.scrollTop = messagesEl.scrollHeight;
}

function note(text, kind) {
  const div = document.createElement("div");
  div.className = "message " + (kind || "system");
  div.textContent = text;
  messagesEl.appendChild(div);
  messagesEl.scrollTop = messagesEl.scrollHeight;
}

function editMessage(i) {
  if (busy) return;
  input.value = conversation[i].content;
  conversation = conversation.slice(0, i);   // resending replaces this message and everything after it
  render();
  input.focus();
}

function regenerateFrom(i) {
  if (busy) return;
  conversation = conversation.slice(0, i);   // this reply and everything after it
  if (conversation.length) generate();
}

// The server counts characters as Python's len does: code points.
const maxMessageLength = 8000;
function codePoints(text) { return [...text].length; }

function command(text) {
  const [cmd, arg] = text.trim().split(/\s+/, 2);
  if (cmd === "/temperature") {
    const t = Number(arg);
    if (arg === undefined || !(t >= 0 && t <= 2)) { note("usage: /temperature 0..2", "error"); return; }
    settings.temperature = t; note(`temperature set to ${t}`);
  } else if (cmd === "/topk") {
    const k = Number(arg);
    if (arg === undefined || !Number.isInteger(k) || k < 0 || k > 200) { note("usage: /topk 0..200", "error"); return; }
    settings.top_k = k; note(`top-k set to ${k}`);
  } else if (cmd === "/clear") {
    newChat();
  } else if (cmd === "/help") {
    note("Enter sends, Shift+Enter adds a line. Click one of your messages to edit and resend it.\n" +
         "Click a reply to generate it again.\n/temperature X (0..2) · /topk K (0..200, 0 = all) · /clear (new conversation) · /help");
  } else {
    note(`unknown command ${cmd}; try /help`, "error");
  }
  showHint();
}

function newChat() { if (busy) return; conversation = []; render(); input.focus(); }

async function generate() {
  busy = true; sendBtn.disabled = true; regenBtn.disabled = true;
  const reply = { role: "assistant", content: "" };
  const history = conversation.slice();
  conversation.push(reply);
  render();
  const bubble = messagesEl.lastChild;
  bubble.classList.add("streaming");
  try {
    const res = await fetch("/chat/completions", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ messages: history, temperature: settings.temperature, top_k: settings.top_k }),
    });
    if (!res.ok) {
      let msg = `HTTP ${res.status}`;
      try { msg = (await res.json()).error || msg; } catch (e) {}
      throw new Error(msg);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      buffer = buffer.replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        if (!event.startsWith("data: ")) continue;
        const data = JSON.parse(event.slice(6));
        if (data.error !== undefined) throw new Error(data.error);
        if (data.token !== undefined) { reply.content += data.token; bubble.textContent = reply.content; messagesEl.scrollTop = messagesEl.scrollHeight; }
      }
    }
    if (!reply.content.trim()) throw new Error("the model gave an empty reply; try again or rephrase");
    bubble.classList.remove("streaming");
    bubble.classList.add("done");
  } catch (err) {
    // recover: drop the unanswered turn and give its text back, so the next send is not user, user
    conversation.pop();
    const last = conversation[conversation.length - 1];
    if (last && last.role === "user") {
      conversation.pop();
      if (!input.value.trim()) input.value = last.content;
    }
    render();
    note("Error: " + err.message, "error");
  } finally {
    busy = false; sendBtn.disabled = false;
    regenBtn.disabled = !conversation.some(m => m.role === "assistant");
  }
}

function send() {
  const text = input.value.trim();
  if (!text || busy) return;
  if (text.startsWith("/")) { input.value = ""; command(text); return; }
  if (codePoints(text) > maxMessageLength) {
    note(`message is ${codePoints(text)} characters; at most ${maxMessageLength} are allowed`, "error");
    return;
  }
  input.value = "";
  conversation.push({ role: "user", content: text });
  generate();
}

function regenerate() {
  if (busy) return;
  while (conversation.length && conversation[conversation.length - 1].role === "assistant") conversation.pop();
  if (conversation.length) generate();
}

input.addEventListener("keydown", e => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
});
sendBtn.onclick = send;
regenBtn.onclick = regenerate;
document.getElementById("new-chat").onclick = newChat;
showHint();
</script>
</body>
</html>
"""#
}
