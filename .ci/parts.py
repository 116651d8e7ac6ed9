#!/usr/bin/env python3
"""The hosted build's parts load when first opened: serve dist/, open it in
headless Chromium and check that no part (app-*/split_*.wasm, chunk_*.wasm)
is downloaded with the page, that a reach question downloads the engine's
extras (edits, digs, reach) with the reach panel, that the burst panel
downloads its own part and reports a burst, that opening a component in the diagram downloads the
inspector's part and shows the inspector, where an edit applies, that the
share dialog writes its link, that the reading part (every
deserializer) follows in the background and a saved world is restored
through it after a reload, that a part the network fails to
deliver leaves a message in its panel (the page goes on; opening again tries
again), and that a lesson link downloads the lessons' part and shows the
lesson. Exits non-zero, naming what failed.

    python3 .ci/parts.py [DIST]

Standard library only; the server and the DevTools client are .ci/ttu.py's.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ttu  # noqa: E402

TIMEOUT_S = 60

# The part files the page has downloaded so far: every wasm but the main one
# (split_<part>.wasm, and chunk_<n>.wasm for code two parts share).
FETCHED = """JSON.stringify(performance.getEntriesByType('resource')
  .map(r => r.name.split('/').pop())
  .filter(n => n.endsWith('.wasm') && n !== 'main_bg.wasm'))"""


def evaluate(cdp, expression):
    return cdp.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def wait_for(cdp, expression, what):
    deadline = time.time() + TIMEOUT_S
    while time.time() < deadline:
        if evaluate(cdp, expression):
            return
        time.sleep(0.2)
    raise SystemExit(f"parts: FAILED: {what} within {TIMEOUT_S} s")


def present(testid):
    return f"!!document.querySelector('[data-testid=\"{testid}\"]')"


def click(cdp, testid):
    evaluate(cdp, f"document.querySelector('[data-testid=\"{testid}\"]')"
             ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")


def fetched(cdp):
    return json.loads(evaluate(cdp, FETCHED))


def main():
    sys.stdout.reconfigure(line_buffering=True)
    dist = sys.argv[1] if len(sys.argv) > 1 else "dist"
    server = ttu.serve(dist)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with ttu.devtools_page() as cdp:
            cdp.call("Page.enable")
            cdp.call("Page.navigate", url=base)
            wait_for(cdp, present("send"), "the page did not show Send")
            time.sleep(1.0)
            early = fetched(cdp)
            if early:
                raise SystemExit(f"parts: FAILED: downloaded with the page: {early}")
            # "Can A reach B?" brings in the engine's extras (edits, dig, reach).
            click(cdp, "show-reach")
            wait_for(cdp, present("reach-ask"), "the reach panel did not open")
            click(cdp, "reach-ask")
            wait_for(cdp, present("reach-answer"), "the reach panel gave no answer")
            got = fetched(cdp)
            if "split_edits.wasm" not in got or "split_inspector.wasm" in got:
                raise SystemExit(f"parts: FAILED: asking the reach panel downloaded {got}")
            print(f"parts: nothing split downloaded with the page; a reach question downloaded {', '.join(got)}")
            # The burst panel's form and report are a part of their own.
            click(cdp, "show-burst")
            wait_for(cdp, present("burst-send"), "the burst panel did not open")
            click(cdp, "burst-send")
            wait_for(cdp, present("burst-report"), "the burst panel gave no report")
            burst = [f for f in fetched(cdp) if f not in got]
            if "split_burst.wasm" not in burst:
                raise SystemExit(f"parts: FAILED: showing the burst panel downloaded {burst}")
            print(f"parts: showing the burst panel downloaded {', '.join(burst)}; a burst reports")
            click(cdp, "node-alb-a")
            wait_for(cdp, f"{present('inspector-title')} && document.querySelector("
                     "'[data-testid=\"inspector-title\"]').textContent.length > 0",
                     "opening a component did not show the inspector")
            got = fetched(cdp)
            if "split_inspector.wasm" not in got or "split_lessons.wasm" in got:
                raise SystemExit(f"parts: FAILED: opening a component downloaded {got}")
            # An edit runs in the hosted build (its code is a part's).
            wait_for(cdp, present("nacl-delete-acl-public-a-inbound-100"), "the inspector showed no NACL rule")
            click(cdp, "nacl-delete-acl-public-a-inbound-100")
            wait_for(cdp, f"!{present('nacl-rule-acl-public-a-inbound-100')}", "deleting a NACL rule did not delete it")
            if evaluate(cdp, "!!document.querySelector('[data-testid=\"inspector\"] .input-error')"):
                raise SystemExit("parts: FAILED: the edit was refused in the hosted build")
            print(f"parts: opening a component downloaded {', '.join(got)}; an edit there applies")
            click(cdp, "share-button")
            wait_for(cdp, present("share-link"), "the share dialog showed no link")
            print("parts: the share dialog writes its link with the reading part")
        with ttu.devtools_page() as cdp:
            # A fresh start fetches the reading part in the background; a
            # saved world is read (with that part) before the app shows.
            cdp.call("Page.enable")
            cdp.call("Page.navigate", url=base)
            wait_for(cdp, present("send"), "the page did not show Send")
            wait_for(cdp, "performance.getEntriesByType('resource').some(r => r.name.endsWith('/split_reading.wasm'))",
                     "the reading part was not fetched after start-up")
            evaluate(cdp, """(() => { const s = document.querySelector('[data-testid="client-picker"]');
              s.value = 'client-eu'; s.dispatchEvent(new Event('change', {bubbles: true})); })()""")
            wait_for(cdp, "localStorage.length > 0", "the learner's change was not saved")
            cdp.call("Page.reload")
            wait_for(cdp, present("send"), "the page did not show Send after a reload")
            picked = evaluate(cdp, "document.querySelector('[data-testid=\"client-picker\"]').value")
            if picked != "client-eu":
                raise SystemExit(f"parts: FAILED: the saved world was not restored (client {picked})")
            print("parts: the reading part comes after start-up; a saved world is restored with it")
        with ttu.devtools_page() as cdp:
            # The network fails while the inspector's part downloads: its
            # panel says so, the page goes on, and opening again tries again.
            cdp.call("Network.enable")
            cdp.call("Network.setBlockedURLs", urls=["*split_inspector.wasm"])
            cdp.call("Page.enable")
            cdp.call("Page.navigate", url=base)
            wait_for(cdp, present("send"), "the page did not show Send")
            click(cdp, "node-alb-a")
            wait_for(cdp, "(document.querySelector('[data-testid=\"inspector\"] [role=\"alert\"]') || {})"
                     ".textContent?.includes('could not be downloaded')",
                     "a part that cannot be downloaded did not say so")
            if evaluate(cdp, present("failure-screen")) or not evaluate(cdp, present("send")):
                raise SystemExit("parts: FAILED: a part that cannot be downloaded stopped the page")
            cdp.call("Network.setBlockedURLs", urls=[])
            click(cdp, "node-igw-a")
            wait_for(cdp, present("inspector-title"), "opening a component again did not try again")
            print("parts: a part that cannot be downloaded says so in its panel; opening again loads it")
        with ttu.devtools_page() as cdp:
            cdp.call("Page.enable")
            cdp.call("Page.navigate", url=base + "#lesson=journey")
            wait_for(cdp, present("lesson-title"), "the lesson link did not show its lesson")
            got = fetched(cdp)
            if "split_lessons.wasm" not in got:
                raise SystemExit(f"parts: FAILED: the lesson opened without its part: {got}")
            print(f"parts: a lesson link downloaded {', '.join(got)} and showed the lesson")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
