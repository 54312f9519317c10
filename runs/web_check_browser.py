#!/usr/bin/env python3
"""Drives headless Chromium through the DevTools protocol (standard library only, for runs/web_check.sh):
loads the chat page, sends a message whose request the server refuses (the page's first fetch gets
max_tokens 0: a real 400), checks that the page put the text back in the input box without a dangling user
turn, sends it again, waits for the streamed reply in the DOM, and saves a screenshot. Usage: web_check_browser.py URL OUT_DIR. Exit 0 on success."""
import base64, json, os, re, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request

url, out_dir = sys.argv[1], sys.argv[2]
chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
profile = tempfile.mkdtemp(prefix="web_check_chromium_")
proc = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
                         "--window-size=900,700", "about:blank"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


class WebSocket:
    """Just enough RFC 6455 for the DevTools protocol: masked text frames out, unmasked frames in."""
    def __init__(self, ws_url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", ws_url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("DevTools socket closed")
            buf += chunk
        return buf

    def send(self, obj):
        data = json.dumps(obj).encode()
        header = bytes([0x81])
        n = len(data)
        header += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126: n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127: n = struct.unpack(">Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            if b0 & 0x0F == 8: raise ConnectionError("DevTools socket closed")
            if b0 & 0x0F in (0, 1, 2): message += payload
            if b0 & 0x80 and b0 & 0x0F != 9: return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.send({"id": my_id, "method": method, "params": params})
        while True:
            msg = self.recv()
            if msg.get("id") == my_id:
                if "error" in msg: raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


try:
    port = None
    deadline = time.time() + 30
    while port is None and time.time() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            sys.exit("chromium exited before DevTools started")
        m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
        if m: port = int(m.group(1))
    if port is None:
        sys.exit("chromium did not start DevTools within 30 s")
    pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
    ws = WebSocket(next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"])
    ws.call("Page.enable")
    ws.call("Page.navigate", url=url)
    t0 = time.time()
    while not ws.evaluate("document.readyState === 'complete' && !!document.getElementById('input')"):
        if time.time() - t0 > 20: sys.exit("the page did not load")
        time.sleep(0.1)
    print("page loaded:", ws.evaluate("document.title"))
    def press_enter():
        for kind in ("keyDown", "keyUp"):
            ws.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13,
                    nativeVirtualKeyCode=13, **({"text": "\r"} if kind == "keyDown" else {}))
    # the first request fails for real: the server refuses max_tokens 0 with a 400
    ws.evaluate("""(() => { const real = window.fetch; let first = true;
        window.fetch = (url, init) => {
            if (first) { first = false; const body = JSON.parse(init.body); body.max_tokens = 0; init = Object.assign({}, init, {body: JSON.stringify(body)}); }
            return real(url, init); }; })()""")
    ws.evaluate("document.getElementById('input').focus()")
    ws.call("Input.insertText", text="Hello, who are you?")
    press_enter()
    t0 = time.time()
    while not ws.evaluate("document.querySelectorAll('.message.error').length > 0 && document.getElementById('send').disabled === false"):
        if time.time() - t0 > 30: sys.exit("the refused request showed no error in the page")
        time.sleep(0.1)
    after = json.loads(ws.evaluate("""JSON.stringify({input: document.getElementById('input').value,
        users: document.querySelectorAll('.message.user').length, error: document.querySelector('.message.error').textContent})"""))
    print("after the refused request:", after)
    if after["input"] != "Hello, who are you?" or after["users"] != 0:
        sys.exit(f"the page did not recover from the failed request (want the text back in the input and no user turn): {after}")
    press_enter()   # the same text again, now answered
    t0 = time.time()
    reply = None
    while time.time() - t0 < 90:
        state = ws.evaluate("""JSON.stringify({
            user: [...document.querySelectorAll('.message.user')].map(e => e.textContent),
            done: [...document.querySelectorAll('.message.assistant.done')].map(e => e.textContent),
            errors: [...document.querySelectorAll('.message.error')].map(e => e.textContent)})""")
        state = json.loads(state)
        if len(state["errors"]) > 1: sys.exit(f"the page shows an error after recovering: {state['errors']}")
        if state["done"] and state["done"][0].strip():
            reply = state["done"][0]
            break
        time.sleep(0.2)
    if reply is None: sys.exit(f"no streamed reply appeared in the page within 90 s (state: {state})")
    if len(state["user"]) != 1: sys.exit(f"want exactly one user turn after the retry, got {state['user']}")
    print("user message in the DOM:", state["user"])
    print("streamed reply in the DOM:", repr(reply[:120]))
    shot = ws.call("Page.captureScreenshot", format="png")
    path = os.path.join(out_dir, "chat_web.png")
    with open(path, "wb") as f: f.write(base64.b64decode(shot["data"]))
    with open(os.path.join(out_dir, "chat_web_dom.html"), "w") as f: f.write(ws.evaluate("document.documentElement.outerHTML"))
    print("screenshot:", path)
finally:
    proc.kill()
    proc.wait()
    shutil.rmtree(profile, ignore_errors=True)
