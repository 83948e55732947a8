# wf-fetch.bash: a sandbox (helpers/host-sandbox.bash) for alpha's kindling-fetch. alpha is
# the admin host of wf-fleet.yaml, so its fetch copies /srv/kindling/dist/alpha/ without
# ssh: a scratch folder is mounted over /srv, and the tests put the set to fetch there.
#
# Usage: load helpers/wf-fetch; fetch_sandbox (in setup); serve HOST_FOLDER; sandbox_run ...
# Sets ROOT (the sandbox), BIN (its /usr/local/bin), SERVED (alpha's served folder, from
# outside) and MAIL (what the recording sendmail received).
load helpers/host-sandbox

# Prepares the sandbox of this test: /etc/sysconfig/blaze names alpha, a recording
# sendmail comes first in PATH, /srv is a scratch folder, /etc and /var/spool/cron are
# private copies.
fetch_sandbox() {
  ROOT="$BATS_TEST_TMPDIR/root"
  BIN="$ROOT/usr/local/bin"
  SERVED="$BATS_TEST_TMPDIR/srv/kindling/dist/alpha"
  MAIL="$BATS_TEST_TMPDIR/mail"
  sandbox_init "$ROOT"
  # kindling-fetch runs the set's setup (users, /etc/aliases, /etc/fstab, root's crontab):
  # it gets a private copy of /etc and of cron's spool, so the machine's own stay untouched.
  cp -a /etc/. "$ROOT/etc/"
  rm -f "$ROOT"/etc/ssh/ssh_host_*_key
  mkdir -p "$ROOT/var/spool/cron"
  cp -a /var/spool/cron/. "$ROOT/var/spool/cron/"
  sandbox_sendmail_recorder "$BATS_TEST_TMPDIR/bin" "$MAIL"
  # The set's setup (run by the fetch) refuses a cron that ignores CRON_TZ while the host's
  # zone is not the system's (alpha is America/Toronto, this machine UTC). These tests are
  # about the fetch, not the scheduler: alpha's cron says it is cronie, as on the fleet's
  # Fedora hosts (setup-platform.bats tests that decision itself).
  printf '%s\n' '#!/bin/sh' "echo 'cronie (kindling fetch sandbox)'" >"$BATS_TEST_TMPDIR/bin/crond"
  chmod 0755 "$BATS_TEST_TMPDIR/bin/crond"
  printf 'alpha\n' >"$ROOT/etc/sysconfig/blaze"
  mkdir -p "$(dirname "$SERVED")"
  SANDBOX_BINDS=("$BATS_TEST_TMPDIR/srv:/srv" "$ROOT/etc:/etc" "$ROOT/var/spool/cron:/var/spool/cron")
  SANDBOX_PATH_PREFIX="$BATS_TEST_TMPDIR/bin"
}

# Serves a copy of the host folder DIR as alpha's set: serve DIR
serve() {
  rm -rf -- "$SERVED"
  cp -r -- "$1" "$SERVED"
}
