"""A real browser on the service: headless Chromium (Debian's package) driven by
Playwright signs in, submits a wrong then a right answer through the page,
sees the verdicts appear, and an instructor sees both in the grid.
Screenshots of each page are saved in the test's temporary folder."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import JUDGE, ROOT, SUBMISSIONS

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _browser_or_skip():
    problems = []
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        problems.append("Playwright is not installed (pip install -e '.[test]')")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        problems.append(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    if problems:
        if os.environ.get("CI") == "true":
            pytest.fail("; ".join(problems) + ": CI must run the browser test")
        pytest.skip("; ".join(problems))


def region_of(path):
    from grader.service.pages import split_skeleton
    return split_skeleton(path.read_text(encoding="utf-8"))[1]


def add_user(folder, name, instructor=False):
    run = subprocess.run([sys.executable, "-c", JUDGE, "users", "add", name, "--data", str(folder)]
                         + (["--instructor"] if instructor else []),
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().split("\n")[-1]


def sign_in(page, server, token):
    page.goto(server.url + "/")
    page.fill("#token", token)
    page.click("#signin")
    page.wait_for_url("**/exercises")


def test_a_student_and_an_instructor_in_a_browser(serve, tmp_path):
    _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright
    folder = tmp_path / "data"
    student, prof = add_user(folder, "lin"), add_user(folder, "prof", instructor=True)
    server = serve(folder, jobs=1)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    wrong = region_of(SUBMISSIONS / "conv_backward" / "wrong_db_mean.py")
    indent = wrong[:len(wrong) - len(wrong.lstrip())]
    slow_wrong = f"{indent}import time; time.sleep(0.25)\n{wrong}"   # verdicts come over seconds
    right = region_of(SUBMISSIONS / "conv_backward" / "correct_seed.py")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1400, "height": 1000})
            sign_in(page, server, student)
            expect(page.locator("#exercises")).to_contain_text("conv_backward")
            page.screenshot(path=str(shots / "1-exercises.png"), full_page=True)

            page.click("a[href='/exercises/conv_backward']")
            expect(page.locator("#head")).to_contain_text("class Convolution")
            page.screenshot(path=str(shots / "2-exercise.png"), full_page=True)
            page.fill("#region", slow_wrong)
            page.click("#submit")
            page.wait_for_url("**/submissions/*")
            # the first verdicts are on the page while the rest are still being graded
            expect(page.locator("#cases tr.case").first).to_be_visible(timeout=30000)
            rows = page.locator("#cases tr.case").count()
            assert page.locator("#result").count() == 0 and 0 < rows < 12
            page.screenshot(path=str(shots / "3-verdicts-arriving.png"), full_page=True)
            expect(page.locator("#result")).to_contain_text("WA", timeout=60000)
            expect(page.locator("#cases tr.case")).to_have_count(12)
            expect(page.locator("#feedback")).to_contain_text("First failing public case")
            expect(page.locator("#feedback")).to_contain_text("likely mistake")
            page.screenshot(path=str(shots / "4-wrong-answer.png"), full_page=True)

            page.goto(server.url + "/exercises/conv_backward")
            page.fill("#region", right)
            page.click("#submit")
            page.wait_for_url("**/submissions/*")
            expect(page.locator("#result")).to_contain_text("AC", timeout=60000)
            expect(page.locator("#result")).to_contain_text("100 / 100")
            page.screenshot(path=str(shots / "5-right-answer.png"), full_page=True)

            page.click("a[href='/submissions']")
            expect(page.locator("table.submissions tbody tr")).to_have_count(2)
            page.click("a.lang")                                     # 中文
            expect(page.locator("h1")).to_contain_text("我的提交")
            page.screenshot(path=str(shots / "6-history-zh.png"), full_page=True)
            page.goto(server.url + "/class")
            expect(page.locator("h1")).to_contain_text("出错了")     # students see no class grid

            teacher = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
            sign_in(teacher, server, prof)
            expect(teacher.locator("h1")).to_contain_text("练习")    # from the browser's language
            teacher.goto(server.url + "/class")
            row = teacher.locator("#grid tbody tr", has_text="lin")
            expect(row).to_contain_text("100/100")
            expect(row).to_contain_text("×2")
            expect(teacher.locator("#stats-conv_backward")).to_contain_text("AC")
            teacher.screenshot(path=str(shots / "7-class-grid.png"), full_page=True)
            teacher.click("a[href^='/submissions?student=lin&exercise=conv_backward']")
            expect(teacher.locator("table.submissions tbody tr")).to_have_count(2)
            expect(teacher.locator("table.submissions")).to_contain_text("WA")
            teacher.locator("table.submissions a").last.click()        # the wrong one
            expect(teacher.locator("#student")).to_have_text("lin")
            expect(teacher.locator("#source")).to_contain_text("time.sleep(0.25)")
            hidden = teacher.locator("#cases tr.case", has_text="(hidden)")
            expect(hidden.first).to_be_visible()
            assert "hidden 1" not in teacher.locator("#cases").inner_text()   # real names
            teacher.screenshot(path=str(shots / "8-instructor-submission.png"), full_page=True)
        finally:
            browser.close()
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-exercises.png", "2-exercise.png", "3-verdicts-arriving.png", "4-wrong-answer.png",
        "5-right-answer.png", "6-history-zh.png", "7-class-grid.png", "8-instructor-submission.png"]
