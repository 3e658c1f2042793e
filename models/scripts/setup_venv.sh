#!/usr/bin/env bash
# Creates models/.venv (Python 3.11) with the pinned packages in models/requirements.txt.
# Idempotent: a second run only checks that the pins are installed.
#
# Usage: models/scripts/setup_venv.sh
set -euo pipefail

models_dir="$(cd "$(dirname "$0")/.." && pwd)"
venv="$models_dir/.venv"

if [[ ! -x "$venv/bin/python" ]]; then
    python3.11 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$models_dir/requirements.txt"
echo "setup_venv: $("$venv/bin/python" --version) in $venv"
