#!/bin/sh
# /usr/local/bin/runner: the runner-features CLI with its own Node runtime. The CLI never uses a
# `node` from PATH or from the tool cache, so installing or removing the nodejs feature cannot
# change the Node the CLI runs on.
exec /opt/runner-features/node/bin/node /opt/runner-features/cli/bin/run.js "$@"
