"""The pages' words in English and Chinese; the language from a cookie, else the browser."""

LANGS = ("en", "zh")

WORDS = {
    "title": ("dl-judge", "dl-judge 评测"),
    "sign_in": ("Sign in", "登录"),
    "sign_out": ("Sign out", "退出"),
    "token": ("Your token", "你的令牌"),
    "token_help": ("The token your instructor gave you. It is exchanged for a session; the page "
                   "never stores it.", "老师发给你的令牌。登录后换成会话，页面不会保存令牌。"),
    "bad_token": ("This token is not valid or was revoked; check it or ask your instructor for a "
                  "new one.", "令牌无效或已被撤销；请检查，或向老师索取新令牌。"),
    "exercises": ("Exercises", "练习"),
    "exercise": ("Exercise", "练习"),
    "history": ("My submissions", "我的提交"),
    "all_submissions": ("Submissions", "提交记录"),
    "class": ("Class", "班级"),
    "best": ("Best score", "最高分"),
    "cases": ("Cases", "测试点"),
    "public_cases": ("Public cases", "公开测试点"),
    "hidden_cases": ("hidden cases ({count}, {points} points): only their verdicts are shown",
                     "隐藏测试点（{count} 个，共 {points} 分）：只显示结果"),
    "statement": ("Statement", "题目"),
    "your_code": ("Your code", "你的代码"),
    "editor_help": ("Only the part between the Begin and End markers is yours to write; the rest "
                    "is the skeleton and is shown for reference.",
                    "只需在 Begin 与 End 标记之间写代码；其余部分是框架，仅供参考。"),
    "submit": ("Submit", "提交"),
    "or_upload": ("Or hand in a file", "或上传文件"),
    "upload": ("Upload and submit", "上传并提交"),
    "no_file": ("Choose a .py file to upload first.", "请先选择要上传的 .py 文件。"),
    "submission": ("Submission", "提交"),
    "status": ("Status", "状态"),
    "verdict": ("Verdict", "结果"),
    "score": ("Score", "得分"),
    "time": ("Time", "时间"),
    "case": ("Case", "测试点"),
    "message": ("Message", "说明"),
    "student": ("Student", "学生"),
    "created": ("Submitted", "提交时间"),
    "attempts": ("Submissions", "提交次数"),
    "latest": ("Latest", "最近"),
    "queued": ("queued: waiting for a judge", "排队中：等待评测"),
    "running": ("being graded", "评测中"),
    "done": ("graded", "已评测"),
    "failed": ("the judge failed, this attempt does not count", "评测机出错，本次提交不计分"),
    "feedback": ("Feedback", "反馈"),
    "source": ("Source", "源代码"),
    "superseded": ("replaced by a rejudge", "已被重新评测取代"),
    "rejudge": ("Rejudge", "重新评测"),
    "rejudge_help": ("Grade every submission of this exercise again with its current cases; the "
                     "old results are kept, marked replaced.",
                     "用当前测试点重新评测本练习的所有提交；旧结果保留并标记为已取代。"),
    "rejudged": ("{count} submissions queued for rejudging.", "已将 {count} 个提交加入重新评测队列。"),
    "export": ("Export", "导出"),
    "verdict_counts": ("Verdicts (best submission of each student)", "结果统计（每位学生的最佳提交）"),
    "most_failed": ("Most failed cases", "最常失败的测试点"),
    "none_yet": ("Nothing yet.", "暂无。"),
    "wait_pending": ("Your last submission for this exercise is still being graded; wait for its "
                     "verdict, then submit again.", "你对本练习的上一次提交仍在评测中，请等出结果后再提交。"),
    "too_many": ("You submitted many times in a short while; try again in {wait} s.",
                 "短时间内提交次数过多，请 {wait} 秒后再试。"),
    "too_large": ("The file is larger than {kb} KB; hand in only the skeleton with your code "
                  "between the markers.", "文件超过 {kb} KB；只需提交框架文件，并在标记之间写代码。"),
    "view": ("view", "查看"),
    "not_found": ("Not found.", "未找到。"),
    "error": ("Something went wrong", "出错了"),
    "back": ("Back to the exercises", "返回练习列表"),
    "language": ("中文", "English"),
    "live": ("Verdicts appear here case by case as they are graded.",
             "每个测试点评测完成后，结果会立即显示在这里。"),
    "signed_in_as": ("Signed in as {name}", "当前用户：{name}"),
}


def words(lang):
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in WORDS.items()}


def from_header(header):
    """The first language of an Accept-Language header we have, else English."""
    choices = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(choices):
        base = tag.split("-")[0]
        if base in LANGS:
            return base
    return "en"


def choose(request):
    cookie = request.cookies.get("lang")
    if cookie in LANGS:
        return cookie
    return from_header(request.headers.get("accept-language"))
