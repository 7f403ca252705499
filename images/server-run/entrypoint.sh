#!/usr/bin/env bash
# server-run: run one automation script and exit with its status.
#
#   JOB_ID       job identifier ([A-Za-z0-9._-], at most 128 characters); names the output directory
#   SCRIPT_ID    script name without extension (same character set); <SCRIPTS_DIR>/<SCRIPT_ID>.ps1
#                runs with pwsh, <SCRIPTS_DIR>/<SCRIPT_ID>.py with python3 (.ps1 wins if both exist)
#   PARAMETERS   a JSON object (default {}). Each entry becomes its own argv element(s), never shell
#                text: python gets `--<key>=<value>` (one element, so a value starting with `-` is
#                still a value for argparse); pwsh gets `-<key>` `<value>` (two elements, named
#                parameters of a `param()` block). Strings pass verbatim; numbers, booleans, null,
#                arrays and objects pass as compact JSON. Keys must match [A-Za-z_][A-Za-z0-9_-]*.
#   SCRIPTS_DIR  default /workspace/scripts (mount it read-only)
#   OUTPUT_DIR   default /workspace/output/<JOB_ID>; receives output.log (stdout+stderr),
#                result.json and artifacts/ (the script gets ARTIFACTS_DIR=<OUTPUT_DIR>/artifacts)
#   RUNNER_FEATURES  optional features to install first (`runner features install`)
#
# Exit status: the script's; 64 for invalid input, 66 when the script is missing, 69 when its
# interpreter is not in the image, 70 when installing RUNNER_FEATURES fails.
set -euo pipefail

fail() {
  printf 'server-run: error: %s\n' "$2" >&2
  exit "$1"
}
valid_id() { [[ $1 =~ ^[A-Za-z0-9._-]{1,128}$ && $1 != .* ]]; }

job_id=${JOB_ID:-}
script_id=${SCRIPT_ID:-}
parameters=${PARAMETERS:-}
[ -n "$parameters" ] || parameters='{}'
valid_id "$job_id" || fail 64 "JOB_ID must be 1-128 characters of [A-Za-z0-9._-], not starting with a dot"
valid_id "$script_id" || fail 64 "SCRIPT_ID must be 1-128 characters of [A-Za-z0-9._-], not starting with a dot"

scripts_dir=${SCRIPTS_DIR:-/workspace/scripts}
output_dir=${OUTPUT_DIR:-/workspace/output/$job_id}

if ! printf '%s' "$parameters" | jq -e 'type == "object"' >/dev/null 2>&1; then
  fail 64 'PARAMETERS must be a JSON object, e.g. {"host":"server.example.com"}'
fi
bad_key=$(printf '%s' "$parameters" | jq -r '[keys[] | select(test("^[A-Za-z_][A-Za-z0-9_-]*$") | not)] | first // empty')
[ -z "$bad_key" ] || fail 64 "parameter name $(printf '%s' "$bad_key" | jq -Rc .) is not allowed (use [A-Za-z_][A-Za-z0-9_-]*)"

if [ -n "${RUNNER_FEATURES:-}" ]; then
  set -f
  IFS=$' \t\n,' read -r -a specs <<<"$RUNNER_FEATURES"
  set +f
  runner features install "${specs[@]}" >&2 || fail 70 "installing RUNNER_FEATURES failed"
fi

if [ -f "$scripts_dir/$script_id.ps1" ]; then
  kind=ps1
  command -v pwsh >/dev/null 2>&1 || fail 69 "$script_id.ps1 needs PowerShell, and this image has no pwsh (install the powershell feature: SERVER_RUN_FEATURES or RUNNER_FEATURES=powershell)"
  cmd=(pwsh -NoLogo -NoProfile -NonInteractive -File "$scripts_dir/$script_id.ps1")
elif [ -f "$scripts_dir/$script_id.py" ]; then
  kind=py
  command -v python3 >/dev/null 2>&1 || fail 69 "$script_id.py needs python3, which is not in this image"
  cmd=(python3 "$scripts_dir/$script_id.py")
else
  fail 66 "no script $script_id.ps1 or $script_id.py in $scripts_dir"
fi

# Parameters -> argv. jq emits one base64 line per argv element, so values with newlines, quotes,
# `$(...)` or `; rm -rf /` survive byte for byte and are never parsed by a shell.
if [ "$kind" = py ]; then
  filter='to_entries[] | "--\(.key)=\(if (.value | type) == "string" then .value else (.value | tojson) end)" | @base64'
else
  filter='to_entries[] | ("-\(.key)", (if (.value | type) == "string" then .value else (.value | tojson) end)) | @base64'
fi
while IFS= read -r encoded; do
  decoded=$(printf '%s' "$encoded" | base64 -d; printf x)
  cmd+=("${decoded%x}")
done < <(printf '%s' "$parameters" | jq -r "$filter")

mkdir -p "$output_dir/artifacts"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf 'server-run: job %s: running %s.%s with %d parameter(s)\n' "$job_id" "$script_id" "$kind" \
  "$(printf '%s' "$parameters" | jq 'length')" >&2

set +e
JOB_ID=$job_id SCRIPT_ID=$script_id ARTIFACTS_DIR=$output_dir/artifacts OUTPUT_DIR=$output_dir \
  "${cmd[@]}" </dev/null 2>&1 | tee "$output_dir/output.log"
status=${PIPESTATUS[0]}
set -e

jq -n --arg job "$job_id" --arg script "$script_id.$kind" --arg started "$started" \
  --arg finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --argjson status "$status" \
  '{job_id: $job, script: $script, exit_code: $status, started: $started, finished: $finished}' >"$output_dir/result.json"
printf 'server-run: job %s: exit %d; output in %s\n' "$job_id" "$status" "$output_dir" >&2
exit "$status"
