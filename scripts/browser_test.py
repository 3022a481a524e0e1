#!/usr/bin/env python3
"""Browser test of the demo portal page, in headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by Selenium from Debian's `python3-selenium`; nothing is downloaded).

Starts `vagvisare serve` on a free loopback port with a fresh data directory, then, as a person
would: types a description letter by letter and waits for the right guide under "Möjliga
lösningar" (grouped "För lösenord…" by the matched word, and matching the text as finally typed:
the answers for shorter texts are delayed to arrive last, and the page must drop them);
answers "Nej" to "Fick du hjälp av guiderna?", fills in the rest and files the case; finds it in
"Mina ärenden"; as the officer asks for a supplement; as the requester supplements; and checks
the "Ja" answer too. Ends with one line `browser: N passed, 0 failed`.

Usage: python3 scripts/browser_test.py --binary target/debug/vagvisare [--screenshots DIR]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

PASSWORD_GUIDE = "it-losenord-komnet-glomt"

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


# The editors' token of the service under test (a throwaway one).
ADMIN_TOKEN = "browser-test-token"


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
    def __init__(self, driver, base, screenshots):
        self.driver = driver
        self.base = base
        self.screenshots = screenshots
        self.passed = 0

    def check(self, name, condition, timeout=15):
        """Waits until `condition(driver)` is truthy; counts a pass or raises."""
        try:
            value = WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
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

    def type_slowly(self, element, text):
        for letter in text:
            element.send_keys(letter)
            time.sleep(0.04)

    def switch_user(self, user_id):
        Select(self.by_id("user")).select_by_value(user_id)

    def suggestions_for(self, typed):
        """The suggestion ids on screen, if the list answers exactly `typed` (else None)."""
        return self.js(
            "const l = document.getElementById('suggestion-list');"
            "if (l.dataset.q !== arguments[0]) return null;"
            "return Array.from(l.querySelectorAll('li')).map(li => li.dataset.id);", typed)

    def ranked_suggestions(self):
        """The suggestion ids on screen in the order of their rank (the groups reorder them)."""
        return self.js(
            "return Array.from(document.querySelectorAll('#suggestion-list a.guide'))"
            ".sort((a, b) => Number(a.dataset.rank) - Number(b.dataset.rank))"
            ".map((a) => a.dataset.id);")

    def main(self):
        d = self.driver
        d.get(self.base + "/")
        self.check("the form is shown", lambda d: self.by_id("description").is_displayed())
        self.check("the requester is filled in",
                   lambda d: "Ragnar, Jessica" in self.by_id("requester").text)

        # Type letter by letter; the list follows the text and ends on the password guide. The
        # answers are delayed so that those for shorter texts arrive last (see
        # DELAY_SUGGEST_ANSWERS): a page that showed every answer as it came would end on one for
        # the first letters.
        text = "glömt lösenordet"
        self.js(DELAY_SUGGEST_ANSWERS, DELAY_STEP_MS, len(text) + 4)
        description = self.by_id("description")
        self.type_slowly(description, text)
        def final_list(_):
            shown = self.suggestions_for(text)
            return shown if shown and PASSWORD_GUIDE in shown else None
        ids = self.check("the password guide is suggested for the final text", final_list)
        self.check("it is among the first three", lambda d: PASSWORD_GUIDE in ids[:3])
        log = self.check(
            "every delayed suggestion request has settled",
            lambda d: self.js(
                "const log = window.__suggestLog;"
                "const last = Math.max(...log.map((e) => e.due));"
                "return log.every((e) => e.outcome !== 'pending') && performance.now() > last + 300"
                " ? log : null;"),
            timeout=30)
        final = [e for e in log if e["q"] == text]
        self.check("the final text was asked for once",
                   lambda d: len(final) == 1 and final[0]["outcome"] == "answered")
        self.check("answers for shorter texts were due after the final one (the test bites)",
                   lambda d: any(len(e["q"]) < len(text) and e["due"] > final[0]["due"] + 100
                                 for e in log))
        direct = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.__realFetch('/api/suggest?limit=5&q=' + encodeURIComponent(arguments[0]))"
            ".then((r) => r.json()).then((a) => done(a.suggestions.map((s) => s.id)),"
            " (e) => done('failed: ' + e));", text)
        self.check("no stale answer replaced the final one",
                   lambda d: self.js("return document.getElementById('suggestion-list').dataset.q")
                   == text == description.get_attribute("value")
                   and self.ranked_suggestions() == direct)
        self.js("window.fetch = window.__realFetch;")
        expected_word = "lösenord"  # the longest word typed, "lösenordet", by its stem
        def password_heading(d):
            heading = self.js(
                "const li = document.querySelector("
                "  '#suggestion-list li[data-id=\"' + arguments[0] + '\"]');"
                "const group = li && li.closest('.group');"
                "return group ? group.querySelector('h3').textContent : null;", PASSWORD_GUIDE)
            folded = (heading or "").casefold()
            return folded.startswith("för ") and folded[4:].strip().startswith(expected_word)
        self.check("the password guide is grouped under its matched word (För lösenord…)",
                   password_heading)
        self.shot("1-suggestions")

        # Nej: the rest of the form opens; file the case.
        self.by_id("helped-no").click()
        self.check("Nej opens the rest of the form", lambda d: self.by_id("more").is_displayed())
        self.by_id("details").send_keys("Jag har glömt lösenordet och koden via SMS kommer inte fram.")
        self.by_id("submit").click()
        filed = self.check("the case is filed and numbered",
                           lambda d: self.by_id("filed").is_displayed() and
                           "C2304625" in self.by_id("filed").text)
        self.shot("2-filed")

        # Issue 21.5: the report counts what the page showed before the case was filed (it
        # said shown 0 and listed the text as a gap that found nothing).
        def report(d):
            return self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "window.fetch('/api/feedback/report?gaps=20',"
                " {headers: {authorization: 'Bearer ' + arguments[0]}})"
                ".then((r) => r.json()).then(done, (e) => done(null));", ADMIN_TOKEN)
        self.check("the report counts the suggestions shown before the case was filed",
                   lambda d: (lambda r: r is not None and r.get("shown", 0) >= 1
                              and r.get("filed", 0) >= 1
                              and all(g.get("found_nothing", 0) == 0
                                      for g in r.get("gaps", [])))(report(d)))

        # Mina ärenden.
        self.by_id("nav-cases").click()
        self.check("Mina ärenden lists the case as open",
                   lambda d: any("C2304625" in row.text and "Registrerad" in row.text
                                 for row in d.find_elements(By.CSS_SELECTOR, "#case-table tbody tr")))
        Select(self.by_id("show")).select_by_value("closed")
        self.check("it is not among the closed cases",
                   lambda d: all("C2304625" not in row.text for row in
                                 d.find_elements(By.CSS_SELECTOR, "#case-table tbody tr")))
        Select(self.by_id("show")).select_by_value("open")
        self.check("the open list is back",
                   lambda d: any("C2304625" in row.text for row in
                                 d.find_elements(By.CSS_SELECTOR, "#case-table tbody tr")))
        self.shot("3-mina-arenden")
        d.find_element(By.LINK_TEXT, "C2304625").click()
        self.check("the case page shows its history",
                   lambda d: "Inskickat" in self.by_id("case-history").text)
        case_url = d.current_url

        # The officer asks for a supplement.
        self.switch_user("julia")
        d.get(case_url)
        self.check("the officer may ask for a supplement",
                   lambda d: self.by_id("request-box").is_displayed())
        self.by_id("request-text").send_keys("Vilket telefonnummer ska koden skickas till?")
        self.by_id("request-send").click()
        self.check("the case waits for the user",
                   lambda d: "Väntar på användare" in self.by_id("case-title").text)

        # The requester sees the request and supplements.
        self.switch_user("jeseks")
        d.get(case_url)
        self.check("the requester is asked to supplement",
                   lambda d: self.by_id("supplement-box").is_displayed() and
                   "telefonnummer" in self.by_id("supplement-request").text)
        self.by_id("supplement-text").send_keys("070-000 00 00")
        self.by_id("supplement-send").click()
        self.check("the supplement is recorded",
                   lambda d: "Besvarat av användaren" in self.by_id("case-title").text and
                   "Kompletterat" in self.by_id("case-history").text)
        self.shot("4-supplemented")

        # Ja: no case is filed.
        d.get(self.base + "/#/")
        description = self.check("the form is back", lambda d: self.by_id("description"))
        self.type_slowly(description, "skrivaren skriver inte")
        self.check("suggestions for the printer text",
                   lambda d: len(self.suggestions_for("skrivaren skriver inte") or []) > 0)
        self.by_id("helped-yes").click()
        self.check("Ja thanks and files nothing",
                   lambda d: self.by_id("thanks").is_displayed() and not self.by_id("more").is_displayed())
        return filed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the vagvisare binary")
    parser.add_argument("--screenshots", help="save screenshots here")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="vagvisare-browser-")
    server = driver = None
    run = None
    try:
        token_file = os.path.join(data_dir, "admin-token")
        with open(token_file, "w", encoding="utf-8") as f:
            f.write(ADMIN_TOKEN)
        server, base = start_server(os.path.abspath(args.binary), data_dir,
                                    ["--admin-token-file", token_file])
        driver = browser()
        run = Run(driver, base, args.screenshots)
        run.main()
        print(f"browser: {run.passed} passed, 0 failed")
        return 0
    except Failure as failure:
        passed = run.passed if run else 0
        print(f"browser: check failed: {failure}", file=sys.stderr)
        print(f"browser: {passed} passed, 1 failed")
        return 1
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
