#!/usr/bin/env bats
# Exit status: the command's own, 128+N for a death by signal N, 125 for
# barco's own errors, 126 not executable, 127 not found.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

@test "exit 0 is 0" {
	run_in --name "$(cname)" -- barco-testhelper exit 0
	show_stderr
	assert_success
}

@test "exit 3 is 3" {
	run_in --name "$(cname)" -- barco-testhelper exit 3
	assert_failure 3
}

@test "exit 42 is 42, and barco adds nothing to stderr" {
	run_in --name "$(cname)" -- barco-testhelper exit 42
	assert_failure 42
	assert_equal "$stderr" ""
}

@test "exit 255 is 255" {
	run_in --name "$(cname)" -- /bin/sh -c 'exit 255'
	assert_failure 255
}

@test "a command not found is 127, with one line on stderr" {
	local n
	n=$(cname)
	run_in -127 --name "$n" -- /bin/no-such-command
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" 'no-such-command'
	assert_nothing_left "$n"
}

@test "a command not found in PATH is 127" {
	run_in -127 --name "$(cname)" -- no-such-command
	assert_regex "$stderr" 'no-such-command'
}

@test "a file without the execute bit is 126" {
	run_in --name "$(cname)" -- /etc/passwd
	assert_failure 126
	assert_regex "$stderr" '/etc/passwd'
}

@test "a directory is 126" {
	run_in --name "$(cname)" -- /tmp
	assert_failure 126
}

@test "SIGKILL from the host to the container's pid 1 is 137" {
	local n
	n=$(cname)
	start_sleeper "$n"
	kill -KILL "$INIT_PID"
	wait_barco "$BG_PID"
	assert_equal "$BG_STATUS" 137
	assert_nothing_left "$n"
}

@test "SIGKILL to a stopped pid 1 is 137: a stopped container does not hang barco" {
	local n
	n=$(cname)
	start_sleeper "$n"
	kill -STOP "$INIT_PID"
	wait_until 30 is_stopped "$INIT_PID" || fail "pid $INIT_PID did not stop"
	kill -KILL "$INIT_PID"
	wait_barco "$BG_PID"
	assert_equal "$BG_STATUS" 137
}

@test "a real fault in pid 1 is 139 (128 + SIGSEGV)" {
	run_in --name "$(cname)" -- barco-testhelper segv
	assert_failure 139
	refute_output "segv=survived"
}

@test "a signal death of a shell's child is the shell's business: sh reports 128+N itself" {
	run_in --name "$(cname)" -- /bin/sh -c 'barco-testhelper segv; exit $?'
	assert_failure 139
}

@test "death by OOM is 137" {
	skip_unless cgroup-memory
	skip_unless no-swap
	run_in --name "$(cname)" --memory 24M -- barco-testhelper memhog 48
	assert_failure 137
}

@test "the status of pid 1 counts, not of its children" {
	run_in --name "$(cname)" -- /bin/sh -c '(exit 9) & wait; exit 4'
	assert_failure 4
}
