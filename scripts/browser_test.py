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

import os
import sys

from browser_common import DELAY_STEP_MS, DELAY_SUGGEST_ANSWERS, Run, run_main
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

PASSWORD_GUIDE = "it-losenord-komnet-glomt"
# The editors' token of the service under test (a throwaway one), for reading the report.
ADMIN_TOKEN = "browser-test-token"


class DemoRun(Run):
    """The demo page's checks."""

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
        log = self.settled_suggest_log("every delayed suggestion request has settled", timeout=30)
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
    # The service takes its admin token from the environment (it inherits this process's).
    os.environ["VAGVISARE_ADMIN_TOKEN"] = ADMIN_TOKEN
    return run_main("browser", __doc__.splitlines()[0], "vagvisare-browser-", DemoRun)


if __name__ == "__main__":
    sys.exit(main())
