# Windows runner entrypoint (same order as images/base/entrypoint.sh): install RUNNER_FEATURES first,
# then start the runner with the single-use JIT config. The JIT config reaches run.cmd only through
# its environment (ACTIONS_RUNNER_INPUT_JITCONFIG, read by the runner); it is never an argument or
# a log line, and the feature install runs without it in its environment.
# Not run by this project's CI (no Windows host): see images/windows/README.md.
$ErrorActionPreference = 'Stop'

$features = @()
if ($env:RUNNER_FEATURES) { $features = $env:RUNNER_FEATURES -split '[\s,]+' | Where-Object { $_ } }
if ($features.Count -gt 0 -or $env:RUNNER_FEATURES_CONFIG) {
  $jit = $env:ACTIONS_RUNNER_INPUT_JITCONFIG
  Remove-Item Env:ACTIONS_RUNNER_INPUT_JITCONFIG -ErrorAction SilentlyContinue
  try {
    if ($env:RUNNER_FEATURES_CONFIG) {
      $frozen = @(); if ($env:RUNNER_FEATURES_FROZEN -eq 'true') { $frozen = @('--frozen') }
      & runner features install --config $env:RUNNER_FEATURES_CONFIG @frozen
      if ($LASTEXITCODE -ne 0) { Write-Error "runner features install --config failed ($LASTEXITCODE); not registering"; exit 70 }
    }
    if ($features.Count -gt 0) {
      & runner features install -- @features
      if ($LASTEXITCODE -ne 0) { Write-Error "runner features install failed ($LASTEXITCODE); not registering"; exit 70 }
    }
  } finally {
    if ($jit) { $env:ACTIONS_RUNNER_INPUT_JITCONFIG = $jit }
  }
}

if ($args.Count -gt 0) { & $args[0] @($args | Select-Object -Skip 1); exit $LASTEXITCODE }
if (-not $env:ACTIONS_RUNNER_INPUT_JITCONFIG) { Write-Error 'ACTIONS_RUNNER_INPUT_JITCONFIG is not set (ARC sets it on the container named runner)'; exit 64 }
& C:\actions-runner\run.cmd
exit $LASTEXITCODE
