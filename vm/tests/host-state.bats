#!/usr/bin/env bats
# Tests that change host-wide state: they run only inside the barco VM
# (`make vm-test`), whose init script sets BARCO_IN_VM=1. Anywhere else
# every test here skips: a developer's machine must never have its sysctls
# changed by a test suite.
#
# Each test restores what it changed, even when it fails (teardown), so the
# tests after it see the VM as booted.

load ../../tests/integration/bats/helpers

MAX_USERNS=/proc/sys/user/max_user_namespaces

setup_file() {
	[[ ${BARCO_IN_VM:-} == 1 ]] || return 0
	setup_suite_rootfs
	cat "$MAX_USERNS" >"$TEST_ROOT/max_user_namespaces"
}

teardown_file() {
	[[ ${BARCO_IN_VM:-} == 1 ]] || return 0
	teardown_suite_rootfs
}

setup() {
	[[ ${BARCO_IN_VM:-} == 1 ]] || skip "changes host-wide state: runs only in the VM (make vm-test sets BARCO_IN_VM=1)"
}

teardown() {
	[[ ${BARCO_IN_VM:-} == 1 ]] || return 0
	stop_background
	cat "$TEST_ROOT/max_user_namespaces" >"$MAX_USERNS"
}

# user_namespaces(7): user.max_user_namespaces = 0 makes clone(CLONE_NEWUSER)
# fail with ENOSPC, for root too.
disable_userns() {
	echo 0 >"$MAX_USERNS"
	[ "$(cat "$MAX_USERNS")" = 0 ] || fail "could not set user.max_user_namespaces = 0"
}

@test "user namespaces disabled: barco run fails with 125, one error line, nothing left" {
	disable_userns
	run_in -125 --name "$(cname)" -- /bin/true
	show_stderr
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "expected one line on stderr, got: $stderr"
	assert_regex "${stderr_lines[0]}" '^barco: '
	assert_nothing_left "$(cname)"
}

@test "user namespaces disabled: --userns=host still runs the command" {
	disable_userns
	run_in --userns=host --name "$(cname)" -- /bin/sh -c 'echo inside'
	show_stderr
	assert_success
	assert_output inside
	assert_nothing_left "$(cname)"
}

@test "user namespaces disabled: barco probe reports userns.max as FAIL and exits 1" {
	"$BARCO" probe --help >/dev/null 2>&1 || skip "this barco has no probe command"
	disable_userns
	run_barco -1 probe --json
	show_stderr
	run /usr/bin/python3 -c '
import json, sys
doc = json.loads(sys.stdin.read())
checks = {c["name"]: c["status"] for s in doc["sections"] for c in s["checks"]}
print(checks.get("userns.max", "missing"))' <<<"$output"
	assert_output FAIL
}

@test "user namespaces enabled again: barco run works after the sysctl is restored" {
	run_in --name "$(cname)" -- /bin/sh -c 'echo back'
	show_stderr
	assert_success
	assert_output back
	assert_nothing_left "$(cname)"
}
