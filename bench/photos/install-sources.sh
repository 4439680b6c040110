#!/usr/bin/env bash
# Installs the Debian packages whose photographs the photo suite (`flowspect bench accuracy --suite photos`) cuts
# its evaluation images from (docs/photo-suite.md). Not needed by the tests or by .ci/run. Run as root.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ufoai-textures plasma-workspace-wallpapers mypaint-data-extras
