#!/usr/bin/env python3
"""webdriver: a small W3C WebDriver client for the system tests and the
screenshots of loaxa-web, with nothing but the Python standard library.

It starts Debian's chromedriver on a free port, which starts a headless
chromium with a fresh profile and no network services of its own, and
speaks the W3C protocol to it over HTTP (urllib + json).

    from webdriver import Browser
    with Browser(width=390, height=844, lang="vi") as b:
        b.get("http://127.0.0.1:8080/login")
        b.find("#password").send_keys("...")
        b.find("button[type=submit]").click()
        b.screenshot("now.png", full_page=True)
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Element:
    def __init__(self, browser, eid):
        self.b = browser
        self.id = eid

    def _url(self, what=""):
        return "/element/%s%s" % (self.id, what)

    def click(self):
        self.b._cmd("POST", self._url("/click"), {})
        return self

    def send_keys(self, text):
        self.b._cmd("POST", self._url("/value"), {"text": text})
        return self

    def clear(self):
        self.b._cmd("POST", self._url("/clear"), {})
        return self

    @property
    def text(self):
        return self.b._cmd("GET", self._url("/text"))

    def attr(self, name):
        return self.b._cmd("GET", self._url("/property/" + name))

    def find(self, css):
        v = self.b._cmd("POST", self._url("/element"), {"using": "css selector", "value": css})
        return Element(self.b, v[ELEMENT])

    def find_all(self, css):
        v = self.b._cmd("POST", self._url("/elements"), {"using": "css selector", "value": css})
        return [Element(self.b, e[ELEMENT]) for e in v]


class Browser:
    def __init__(self, width=1366, height=900, lang="vi", timeout=60, log=None):
        self.tmp = tempfile.mkdtemp(prefix="loaxa-chromium.")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.timeout = timeout
        logf = open(log or os.devnull, "ab")
        self.proc = subprocess.Popen(
            ["chromedriver", "--port=%d" % self.port, "--allowed-ips=127.0.0.1"],
            stdout=logf, stderr=logf)
        logf.close()
        self.session = None
        try:
            self._wait_ready()
            args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--force-device-scale-factor=1",
                    "--hide-scrollbars", "--lang=" + lang,
                    "--user-data-dir=" + os.path.join(self.tmp, "profile"),
                    "--window-size=%d,%d" % (width, height)]
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "timeouts": {"pageLoad": timeout * 1000, "script": timeout * 1000},
                "goog:chromeOptions": {
                    "binary": shutil.which("chromium") or "/usr/bin/chromium",
                    "args": args,
                    "prefs": {"intl.accept_languages": lang},
                }}}}
            v = self._raw("POST", "/session", caps)
            self.session = v["sessionId"]
            self.set_size(width, height)
        except Exception:
            self.quit()
            raise

    # --- plumbing -----------------------------------------------------------
    def _raw(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout + 30) as r:
                out = json.loads(r.read().decode() or "{}")
        except urllib.error.HTTPError as e:
            try:
                err = json.loads(e.read().decode())["value"]
                raise WebDriverError("%s: %s" % (err.get("error"), err.get("message", "")[:500]))
            except (ValueError, KeyError):
                raise WebDriverError(str(e))
        return out.get("value")

    def _cmd(self, method, path, body=None):
        return self._raw(method, "/session/%s%s" % (self.session, path), body)

    def _wait_ready(self):
        end = time.time() + self.timeout
        while time.time() < end:
            try:
                if self._raw("GET", "/status").get("ready"):
                    return
            except (OSError, WebDriverError, ValueError):
                pass
            if self.proc.poll() is not None:
                raise WebDriverError("chromedriver exited")
            time.sleep(0.1)
        raise WebDriverError("chromedriver did not start")

    # --- what tests use ------------------------------------------------------
    def get(self, url):
        self._cmd("POST", "/url", {"url": url})

    @property
    def url(self):
        return self._cmd("GET", "/url")

    @property
    def title(self):
        return self._cmd("GET", "/title")

    @property
    def source(self):
        return self._cmd("GET", "/source")

    def find(self, css):
        v = self._cmd("POST", "/element", {"using": "css selector", "value": css})
        return Element(self, v[ELEMENT])

    def find_all(self, css):
        v = self._cmd("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, e[ELEMENT]) for e in v]

    def text(self, css="body"):
        return self.find(css).text

    def wait_text(self, needle, css="body", seconds=30, reload=False):
        """Wait until the element's text holds needle (reloading if asked)."""
        end = time.time() + seconds
        last = ""
        while time.time() < end:
            try:
                last = self.text(css)
                if needle in last:
                    return last
            except WebDriverError:
                pass
            time.sleep(0.5)
            if reload:
                self.get(self.url)
        raise WebDriverError("no %r in %s after %d s; text was:\n%s" % (needle, css, seconds, last))

    def execute(self, script, *args):
        return self._cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def cookies(self):
        return self._cmd("GET", "/cookie")

    def set_size(self, width, height):
        self._cmd("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path, full_page=False):
        if full_page:
            w = self.execute("return window.innerWidth")
            h = self.execute("return Math.max(document.documentElement.scrollHeight,"
                             " document.body.scrollHeight)")
            rect = self._cmd("GET", "/window/rect")
            self.set_size(rect["width"], max(int(h) + (rect["height"] - int(
                self.execute("return window.innerHeight"))), rect["height"]))
            time.sleep(0.2)
        png = base64.b64decode(self._cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        if full_page:
            self.set_size(rect["width"], rect["height"])
        return path

    def quit(self):
        try:
            if self.session:
                self._cmd("DELETE", "")
        except Exception:
            pass
        self.session = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.quit()
