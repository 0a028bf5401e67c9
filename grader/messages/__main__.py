"""python -m grader.messages: bring the Chinese catalogue up to date with the source."""

import sys

from grader.messages import catalogue

missing = catalogue.update("zh")
print(f"{catalogue.po_path('zh')}: {len(missing)} messages without a translation")
for message in missing[:20]:
    print(f"  {message!r}")
sys.exit(1 if missing else 0)
