#!/usr/bin/env bash
# Regenerates the console screenshots shown in README.md (docs/console-healthy.png and
# docs/console-dc-down.png): starts the real server with three HTTP health backends, drives
# headless chromium through chromedriver (apt-get install chromium chromium-driver), takes one
# picture with every datacenter up and one with iad's backend failing.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --test e2e console::console_screenshots -- --ignored --exact --nocapture
ls -l docs/console-healthy.png docs/console-dc-down.png
