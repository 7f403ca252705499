#!/usr/bin/env bash
# ACTIONS_RUNNER_HOOK_JOB_STARTED hook (enable with RUNNER_FEATURES_JOB_HOOK=true, or point the
# variable here yourself). Installs the features the repository's .github/runner-config.yml asks for.
#
# The runner runs this hook after it has downloaded the job's actions and BEFORE the first step, so
# before actions/checkout: on a fresh ephemeral runner the repository is not on disk yet and there
# is nothing to read. The hook then says so and succeeds. It helps when the workspace persists
# between jobs (non-ephemeral runners) or when RUNNER_FEATURES_HOOK_CONFIG names a file that is on
# disk (baked in or mounted). For configs that only exist after checkout, run
# `runner features install` as a step after actions/checkout instead (docs/images.md).
#
# A non-zero exit fails the job ("Set up runner" step). Tools land in the tool cache; their bin dir
# is appended to GITHUB_PATH by the CLI, so later steps find them.
set -euo pipefail

config=${RUNNER_FEATURES_HOOK_CONFIG:-}
if [ -z "$config" ] && [ -n "${GITHUB_WORKSPACE:-}" ] && [ -f "$GITHUB_WORKSPACE/.github/runner-config.yml" ]; then
  config=$GITHUB_WORKSPACE/.github/runner-config.yml
fi
if [ -z "$config" ]; then
  echo "runner-features: no .github/runner-config.yml in ${GITHUB_WORKSPACE:-the workspace} yet (this hook runs before checkout); nothing to install"
  exit 0
fi
echo "runner-features: installing features from $config"
exec runner features install --config "$config"
