#!/usr/bin/env bash
# Makes the Python environment the demo-model scripts run in, from wheel folders on disk
# (pip --no-index: no package index is needed). Usage: setup-venv.sh [VENV_DIR]
#   WHEEL_DIRS   space-separated folders holding the wheels (default: this machine kind's
#                /opt/wheels /opt/pypi/files /opt/pypi-more/files)
#   PYTHON       interpreter for the venv (default: python3.11, or pyenv's 3.11.7)
# torchvision is left out on purpose: the only one on disk does not match the CPU torch build,
# and transformers then fails to import its processors; varco_demo.processing does without it.
set -euo pipefail
VENV="${1:-$HOME/varco-demo-venv}"
WHEEL_DIRS="${WHEEL_DIRS:-/opt/wheels /opt/pypi/files /opt/pypi-more/files}"
PYTHON="${PYTHON:-$(command -v python3.11 || echo /root/.pyenv/versions/3.11.7/bin/python)}"
links=()
for d in $WHEEL_DIRS; do links+=(--find-links "$d"); done
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --no-index "${links[@]}" 'torch==2.13.0+cpu' 'transformers==5.17.0' 'pillow==12.3.0' 'numpy==2.4.6'
echo "venv ready: $VENV (run the scripts from $(cd "$(dirname "$0")" && pwd) with $VENV/bin/python -m varco_demo.<script>)"
