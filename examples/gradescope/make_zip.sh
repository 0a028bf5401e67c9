#!/usr/bin/env bash
# Build the autograder zip for one exercise: ./make_zip.sh conv_backward [OUT.zip]
# The zip holds the judge (engine, exercises, reference, cases) with
# setup.sh and run_autograder at its root, as Gradescope requires.
set -euo pipefail
exercise="${1:?usage: make_zip.sh EXERCISE [OUT.zip]}"
out="$(realpath -m "${2:-autograder-$exercise.zip}")"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ -f "$root/exercises/$exercise/exercise.yaml" ] || {
    echo "make_zip.sh: unknown exercise '$exercise' (see: python3 judge.py list)" >&2; exit 2; }
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
for item in grader exercises reference cases examples judge.py pyproject.toml README.md; do
    cp -r "$root/$item" "$stage/"
done
find "$stage" -name __pycache__ -type d -prune -exec rm -rf {} +
cp "$here/setup.sh" "$here/run_autograder" "$stage/"
echo "$exercise" > "$stage/examples/gradescope/EXERCISE"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
rm -f "$out"
(cd "$stage" && python3 -m zipfile -c "$out" .)
echo "wrote $out"
