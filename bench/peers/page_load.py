#!/usr/bin/env python3
"""Loads a page in headless Chromium through chromedriver's WebDriver protocol (plain HTTP, no
Selenium needed) and prints how long it took: navigation start to the load event (every figure
file loaded and the page laid out), median of N loads, each in a fresh tab state (cache disabled).

    python3 bench/peers/page_load.py file:///tmp/out/index.html [N]
"""
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())["value"]


def main():
    url, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    driver = subprocess.Popen(["chromedriver", "--port=%d" % port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.05)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1024",
                     "--disable-application-cache", "--disk-cache-size=1"]}}}}
        session = call(base, "POST", "/session", caps)["sessionId"]
        times = []
        for i in range(n + 1):
            call(base, "POST", "/session/%s/url" % session, {"url": "about:blank"})
            call(base, "POST", "/session/%s/url" % session, {"url": url})  # returns once the load event fired
            t = call(base, "POST", "/session/%s/execute/sync" % session, {"script":
                "const e = performance.getEntriesByType('navigation')[0];"
                " return [e.loadEventEnd - e.startTime, document.querySelectorAll('img, svg').length,"
                " document.querySelectorAll('table.nnviz-table tbody tr').length];", "args": []})
            if i > 0:  # the first load warms the browser itself
                times.append(t[0] / 1000)
            figures, rows = t[1], t[2]
        call(base, "DELETE", "/session/%s" % session)
        print("page load (navigation start to load event), median of %d: %.2f s (min %.2f, max %.2f); %d figures, %d table rows"
              % (n, statistics.median(times), min(times), max(times), figures, rows))
    finally:
        driver.terminate()


if __name__ == "__main__":
    main()
