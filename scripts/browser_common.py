"""What the browser tests (scripts/browser_test.py, scripts/widget_admin_browser_test.py) share:
starting `vagvisare serve` and headless Chromium, the checks that wait and count, the delayed
suggestion answers, and the command line and clean-up of a run. Not a test itself.
"""

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

# Wraps window.fetch so that /api/suggest answers come back in the wrong order: each is held
# back (LONGEST - len(q)) * STEP ms, and STEP is longer than the time between two typed letters,
# so a request for a shorter text is answered after those for longer ones typed later. The page's
# AbortController is honoured (an aborted request rejects at once with AbortError). Every request
# is recorded in window.__suggestLog: its text, when it started, when it was due, its outcome.
DELAY_SUGGEST_ANSWERS = """
const STEP = arguments[0], LONGEST = arguments[1];
const realFetch = window.fetch;
window.__realFetch = realFetch;
const log = window.__suggestLog = [];
window.fetch = function (input, init) {
  const url = new URL(typeof input === "string" ? input : input.url, location.href);
  if (url.pathname !== "/api/suggest") return realFetch.call(window, input, init);
  const q = url.searchParams.get("q") || "";
  const delay = Math.max(0, LONGEST - q.length) * STEP;
  const started = performance.now();
  const entry = { q, started, due: started + delay, outcome: "pending" };
  log.push(entry);
  const signal = init && init.signal;
  const answer = realFetch.call(window, input, init);   // aborted with the page's signal too
  answer.catch(() => {});
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      entry.outcome = "aborted";
      reject(signal.reason instanceof DOMException ? signal.reason
             : new DOMException("The operation was aborted.", "AbortError"));
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", aborted);
      answer.then((r) => { entry.outcome = "answered"; resolve(r); },
                  (e) => { entry.outcome = e.name; reject(e); });
    }, delay);
    if (signal) {
      if (signal.aborted) { aborted(); return; }
      signal.addEventListener("abort", aborted, { once: true });
    }
  });
};
"""

#: Milliseconds of delay per letter fewer: more than the ~40-100 ms between two typed letters.
DELAY_STEP_MS = 200


class Failure(Exception):
    pass


def start_server(binary, data_dir, extra=()):
    process = subprocess.Popen(
        [binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir, "--quiet", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 300
    while time.time() < deadline:
        line = process.stderr.readline()
        if not line:
            raise Failure("vagvisare serve stopped before it listened")
        if "listening on http://" in line:
            url = "http://" + line.split("listening on http://", 1)[1].strip()
            threading.Thread(target=lambda: process.stderr.read(), daemon=True).start()
            return process, url
        sys.stderr.write("serve: " + line)
    process.kill()
    raise Failure("vagvisare serve did not start within 300 s")


def browser():
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000", "--lang=sv-SE"):
        options.add_argument(argument)
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


class Run:
    """A browser session's checks: `base` is the page's server, `service` the service's."""

    def __init__(self, driver, base, screenshots, service=None):
        self.driver = driver
        self.base = base
        self.service = service or base
        self.screenshots = screenshots
        self.passed = 0

    def check(self, name, condition, timeout=15):
        """Waits until `condition(driver)` is truthy; counts a pass or raises. An element the
        page replaced while the condition read it (a list re-rendered as results arrive) is read
        again at the next poll."""
        try:
            value = WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                                  ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: condition(d))
        except TimeoutException:
            self.shot("failed-" + name)
            raise Failure(name)
        self.passed += 1
        print(f"  ok  {name}")
        return value

    def shot(self, name):
        if self.screenshots:
            os.makedirs(self.screenshots, exist_ok=True)
            self.driver.save_screenshot(os.path.join(self.screenshots, name + ".png"))

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def settled_suggest_log(self, name, timeout):
        """Checks (as `name`) that every suggestion request DELAY_SUGGEST_ANSWERS held back has
        settled, and 300 ms more have passed since the last was due; its log."""
        return self.check(
            name,
            lambda d: self.js(
                "const log = window.__suggestLog;"
                "const last = Math.max(...log.map((e) => e.due));"
                "return log.every((e) => e.outcome !== 'pending') && performance.now() > last + 300"
                " ? log : null;"),
            timeout=timeout)

    def type_slowly(self, element, text):
        for letter in text:
            element.send_keys(letter)
            time.sleep(0.04)


def stop_server(process):
    process.kill()
    process.wait()


def run_main(label, description, data_prefix, make_run, server_args=(), prepare=None):
    """The command line (`--binary`, `--screenshots`) and the life of one browser test: starts the
    service on a fresh data directory (`data_prefix`), lets `prepare(service, cleanup)` ready the
    page and return its address (default: the service itself; it hands what it starts to the
    `cleanup` ExitStack), opens Chromium, runs `make_run(driver, page, screenshots, service).main()`
    and prints `LABEL: N passed, 0 failed` (0) or the failed check (1); stops and removes all it
    started, whatever happened."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--binary", required=True, help="the vagvisare binary")
    parser.add_argument("--screenshots", help="save screenshots here")
    args = parser.parse_args()
    run = None
    with contextlib.ExitStack() as cleanup:
        data_dir = tempfile.mkdtemp(prefix=data_prefix)
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        try:
            server, service = start_server(os.path.abspath(args.binary), data_dir, server_args)
            cleanup.callback(stop_server, server)
            page = prepare(service, cleanup) if prepare else service
            driver = browser()
            cleanup.callback(driver.quit)
            run = make_run(driver, page, args.screenshots, service)
            run.main()
            print(f"{label}: {run.passed} passed, 0 failed")
            return 0
        except Failure as failure:
            passed = run.passed if run else 0
            print(f"{label}: check failed: {failure}", file=sys.stderr)
            print(f"{label}: {passed} passed, 1 failed")
            return 1
