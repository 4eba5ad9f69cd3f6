#!/usr/bin/env bats
# The command line itself: --help, --version, -v, -q.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

LOG_LINE='^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} [A-Z]+ +[A-Za-z0-9_./-]+\.c:[0-9]+: .+'

@test "--help prints usage on stdout and exits 0" {
	run_barco --help
	assert_success
	assert_output --partial "run"
	assert_output --partial "rootfs create"
	assert_equal "$stderr" ""
}

@test "run --help documents the run options" {
	run_barco run --help
	assert_success
	local opt
	for opt in --rootfs --name --hostname --uid --gid --uidmap --gidmap --memory --cpu-weight \
		--pids --env --workdir --cap-add --cap-drop --seccomp; do
		assert_output --partial -- "$opt"
	done
}

@test "--version prints the version from VERSION" {
	run_barco --version
	assert_success
	assert_output --partial "$(cat "$REPO/VERSION")"
}

@test "run -v logs each stage, one line each, in the log format" {
	run_in -v --name "$(cname)" -- barco-testhelper exit 0
	assert_success
	local line stage
	for line in "${stderr_lines[@]}"; do
		[[ $line =~ $LOG_LINE ]] || fail "not a log line: '$line'"
	done
	for stage in cgroups userns namespaces hostname mounts caps seccomp exec; do
		[[ $stderr == *"$stage"* ]] || fail "stage $stage is not logged: $stderr"
	done
}

@test "run -q prints nothing of barco's own on success" {
	run_in -q --name "$(cname)" -- barco-testhelper exit 0
	assert_success
	assert_equal "$stderr" ""
	assert_output ""
}

@test "run -q still reports barco's own errors" {
	run_in -q --name "$(cname)" --memory 12Q -- barco-testhelper exit 0
	assert_failure 125
	assert_regex "$stderr" '^barco: '
}

@test "options after -- belong to the command" {
	run_in --name "$(cname)" -- barco-testhelper args --help -v
	assert_success
	assert_line "argc=2"
	assert_line "argv[0]=--help"
}
