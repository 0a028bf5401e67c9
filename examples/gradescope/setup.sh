#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# The zip made by make_zip.sh unpacks to /autograder/source: the judge itself
# plus this folder's files.
set -euo pipefail
apt-get install -y -q python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q -e /autograder/source
