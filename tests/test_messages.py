"""Every message in the student's language: the catalogue is complete, and a
Chinese student's whole session reads in Chinese."""

import os
import re
import string
import subprocess
import sys

import pytest

from conftest import ROOT
from grader import messages
from grader.messages import catalogue
from helpers import fill

PO = catalogue.read_po(catalogue.po_path("zh"))


def fields(text):
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def wanted():
    return {**catalogue.source_messages(), **{m: "click" for m in catalogue.CLICK}}


def test_every_message_has_a_chinese_translation_with_the_same_fields():
    found = wanted()
    assert len(found) > 150                        # the scan does find the messages
    missing = [f"{where}: {msgid!r}" for msgid, where in found.items() if not PO.get(msgid)]
    assert not missing, "messages without a translation (run python -m grader.messages):\n" + \
        "\n".join(missing)
    wrong = [msgid for msgid in found if fields(msgid) != fields(PO[msgid])]
    assert not wrong, f"a translation changes the fields: {wrong}"


def test_the_catalogue_holds_no_stale_messages():
    stale = sorted(set(PO) - set(wanted()) - {""})
    assert not stale, f"no longer in the source (run python -m grader.messages): {stale}"


def test_the_compiled_catalogue_is_the_po_file():
    assert catalogue.mo_path("zh").read_bytes() == catalogue.compile_mo(PO)


def test_the_scan_sees_a_message_the_test_adds(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text('from grader.messages import _\nx = _("a new {thing}", thing=1)\n')
    assert "a new {thing}" in catalogue.source_messages(package)


@pytest.mark.parametrize("explicit, env, lang", [
    (None, {}, "en"),
    (None, {"LANG": "zh_CN.UTF-8"}, "zh"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {"LANG": "zh_TW.UTF-8"}, "zh"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),        # LC_ALL first
    (None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
    (None, {"LANG": "zh_CN.UTF-8", "JUDGE_LANG": "en"}, "en"),             # JUDGE_LANG over the locale
    ("zh", {"JUDGE_LANG": "en", "LC_ALL": "en_US.UTF-8"}, "zh"),           # --lang over everything
    (None, {"JUDGE_LANG": "klingon", "LANG": "zh_CN.UTF-8"}, "zh"),
])
def test_the_language_is_chosen_in_order(explicit, env, lang):
    assert messages.choose(explicit, env) == lang


def test_use_and_translate():
    with messages.use("zh"):
        assert messages._("wrong answer") == "答案错误"
        assert messages._("took longer than the {limit} s time limit", limit=5) == "运行时间超过了 5 秒的时间限制"
    assert messages.current() == "en"
    assert messages._("took longer than the {limit} s time limit", limit=5) == \
        "took longer than the 5 s time limit"


# ---------------------------------------------------------------- a Chinese student's session

ENGLISH = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{3,}){3,}")     # four English words in a row


def run(*args, cwd, env_lang=None, **env):
    full = {k: v for k, v in os.environ.items() if k not in ("JUDGE_LANG", "LC_ALL", "LC_MESSAGES")}
    full.update(NO_COLOR="1", LANG=env_lang or "zh_CN.UTF-8", **env)
    return subprocess.run([sys.executable, str(ROOT / "judge.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=full, timeout=300)


def english_left(text, allowed=()):
    """Sentences of English left in what the judge wrote (not the student's code or data)."""
    left = []
    for line in text.splitlines():
        if any(a in line for a in allowed):
            continue
        left += ENGLISH.findall(line)
    return left


def test_a_chinese_students_session_reads_in_chinese(tmp_path):
    listed = run("list", cwd=tmp_path)
    assert listed.returncode == 0
    assert "卷积层的反向传播" in listed.stdout and "个测试点" in listed.stdout
    shown = run("show", "conv_backward", cwd=tmp_path)
    assert "公开测试点" in shown.stdout and "在自己的电脑上" in shown.stdout
    init = run("init", "conv_backward", "my_conv.py", cwd=tmp_path)
    assert init.returncode == 0 and init.stdout.startswith("已写出 my_conv.py")
    assert not english_left(init.stdout)

    wrong = (ROOT / "tests" / "submissions" / "conv_backward" / "wrong_sign_flip.py").read_text()
    (tmp_path / "my_conv.py").write_text(wrong)
    graded = run("grade", "my_conv.py", "-e", "conv_backward", cwd=tmp_path)
    assert graded.returncode == 1
    out = graded.stdout
    assert "第一个未通过的公开测试点 small_3x3（答案错误）：" in out
    assert "个值中有" in out and "可能的错误" in out
    assert out.rstrip().split("\n")[-1].startswith("结果：WA（答案错误）  得分 0/100")
    assert not english_left(out), english_left(out)

    right = (ROOT / "tests" / "submissions" / "conv_backward" / "correct_seed.py").read_text()
    (tmp_path / "my_conv.py").write_text(right)
    graded = run("grade", "my_conv.py", "-e", "conv_backward", cwd=tmp_path)
    assert graded.returncode == 0
    assert graded.stdout.rstrip().split("\n")[-1] == "结果：AC（答案正确）  得分 100/100  通过 12/12 个测试点"

    (tmp_path / "crash.py").write_text(fill("conv_backward", "raise ValueError('boom')"))
    crashed = run("grade", "crash.py", "-e", "conv_backward", cwd=tmp_path)
    assert "（运行错误）" in crashed.stdout and "ValueError: boom" in crashed.stdout
    assert "第" in crashed.stdout and "行，函数 backward 中" in crashed.stdout
    assert not english_left(crashed.stdout, allowed=("ValueError",))

    (tmp_path / "loop.py").write_text(fill("conv_backward", "while True:\n    pass"))
    looped = run("grade", "loop.py", "-e", "conv_backward", "--time-limit", "0.3", cwd=tmp_path)
    assert "运行时间超过了 0.3 秒的时间限制；当时正在执行第" in looped.stdout
    assert "隐藏测试点超出时间限制" in looped.stdout
    assert not english_left(looped.stdout)

    usage = run("grade", "--bogus", cwd=tmp_path)
    assert usage.returncode == 2 and "错误：没有选项 '--bogus'。" in usage.stderr


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_chinese_by_flag_or_variable_over_an_english_locale(tmp_path, how):
    path = ROOT / "tests" / "submissions" / "conv_backward" / "wrong_sign_flip.py"
    args = ("grade", path, "-e", "conv_backward") + (("--lang", "zh") if how == "flag" else ())
    env = {"JUDGE_LANG": "zh"} if how == "variable" else {}
    done = run(*args, cwd=tmp_path, env_lang="en_US.UTF-8", **env)
    assert done.stdout.rstrip().split("\n")[-1].startswith("结果：WA（答案错误）")
    english = run("grade", path, "-e", "conv_backward", "--lang", "en", cwd=tmp_path, JUDGE_LANG="zh")
    assert english.stdout.rstrip().split("\n")[-1].startswith("Result: WA (wrong answer)")


def test_json_keeps_english_keys_with_chinese_messages(tmp_path):
    import json
    path = ROOT / "tests" / "submissions" / "conv_backward" / "wrong_sign_flip.py"
    done = run("grade", path, "-e", "conv_backward", "--format", "json", cwd=tmp_path)
    data = json.loads(done.stdout)
    assert data["verdict"] == "WA" and data["cases"][0]["verdict"] == "WA"
    assert "个值中有" in data["cases"][0]["message"]
