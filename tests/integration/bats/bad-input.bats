#!/usr/bin/env bats
# Bad input: status 125, exactly one line on stderr that starts with
# "barco: " and names the bad value, nothing on stdout, nothing left behind.

load helpers

setup_file() {
	setup_suite_rootfs
	echo "not a directory" >"$TEST_ROOT/afile"
}
teardown_file() { teardown_suite_rootfs; }

# refused VALUE ARGS...: `barco ARGS` must be refused naming VALUE.
refused() {
	local value=$1
	shift
	run_barco "$@"
	assert_failure 125
	assert_output ""
	[ "${#stderr_lines[@]}" = 1 ] || fail "stderr is not one line: $stderr"
	[[ $stderr == "barco: "* ]] || fail "stderr does not start with 'barco: ': $stderr"
	[[ $stderr == *"$value"* ]] || fail "stderr does not name '$value': $stderr"
}

# refused_run VALUE OPTIONS...: `barco run --rootfs R --name N OPTIONS -- exit 0`.
refused_run() {
	local value=$1 n
	shift
	n=$(cname)
	refused "$value" run --rootfs "$ROOTFS" --name "$n" "$@" -- barco-testhelper exit 0
	assert_nothing_left "$n"
}

@test "unknown flag" {
	refused_run --bogus-flag --bogus-flag
}

@test "unknown flag before the subcommand" {
	refused --bogus-flag --bogus-flag run -- /bin/true
}

@test "unknown subcommand" {
	refused frobnicate frobnicate
}

@test "missing rootfs" {
	local n
	n=$(cname)
	refused "$TEST_ROOT/no-such-rootfs" run --rootfs "$TEST_ROOT/no-such-rootfs" --name "$n" -- /bin/true
	assert_nothing_left "$n"
}

@test "rootfs is a file" {
	local n
	n=$(cname)
	refused "$TEST_ROOT/afile" run --rootfs "$TEST_ROOT/afile" --name "$n" -- /bin/true
	assert_nothing_left "$n"
}

@test "memory with an unknown unit: 12Q" {
	refused_run 12Q --memory 12Q
}

@test "negative memory: -5M" {
	refused_run -5M --memory -5M
}

@test "zero memory: 0" {
	refused_run "0" --memory 0
}

@test "memory that overflows 64 bits: 99999999999999G" {
	refused_run 99999999999999G --memory 99999999999999G
}

@test "idmap with two fields: 1:2" {
	refused_run 1:2 --uidmap 1:2
}

@test "idmap not numeric: a:b:c" {
	refused_run a:b:c --uidmap a:b:c
}

@test "idmap of zero ids: 0:100000:0" {
	refused_run 0:100000:0 --gidmap 0:100000:0
}

@test "overlapping idmap ranges" {
	refused_run 5:200000:10 --uidmap 0:100000:10 --uidmap 5:200000:10
}

@test "uid outside the map" {
	refused_run 70000 --uid 70000
}

@test "gid outside the map" {
	refused_run 70000 --gid 70000
}

@test "uid not a number" {
	refused_run root --uid root
}

@test "empty command" {
	local n
	n=$(cname)
	refused "command" run --rootfs "$ROOTFS" --name "$n" --
	assert_nothing_left "$n"
}

@test "no command at all" {
	refused "command" run --rootfs "$ROOTFS" --name "$(cname)"
}

@test "bad capability name" {
	refused_run NOT_A_CAP --cap-add NOT_A_CAP
}

@test "bad capability name to drop" {
	refused_run CAP_BOGUS --cap-drop CAP_BOGUS
}

@test "bad seccomp mode" {
	refused_run strict --seccomp strict
}

@test "bad name: ../x" {
	refused "../x" run --rootfs "$ROOTFS" --name ../x -- barco-testhelper exit 0
	[ ! -e /run/x ] && [ ! -e /run/barco/x ] || fail "a state entry was made for ../x"
	[ -z "$(cgroup_dirs_for x)" ] || fail "a cgroup was made for ../x: $(cgroup_dirs_for x)"
}

@test "bad name: starts with a dot" {
	refused ".hidden" run --rootfs "$ROOTFS" --name .hidden -- barco-testhelper exit 0
}

@test "bad name: 65 characters (64 is podman's id)" {
	local long
	long=$(printf 'a%.0s' {1..65})
	refused "$long" run --rootfs "$ROOTFS" --name "$long" -- barco-testhelper exit 0
}

@test "bad pids: abc" {
	refused_run abc --pids abc
}

@test "bad cpu weight: 0" {
	refused_run "0" --cpu-weight 0
}

@test "bad cpu weight: 10001" {
	refused_run 10001 --cpu-weight 10001
}

@test "bad environment entry: =x" {
	refused_run "=x" --env =x
}

@test "bad hostname: -bad-" {
	refused_run -bad- --hostname -bad-
}

@test "bad --userns value" {
	refused_run private --userns=private
}

@test "seed flags: -u not a number" {
	refused abc -u abc -m "$ROOTFS" -c /bin/true
}
