#!/usr/bin/env bats
# --net=MODE: which network namespace the container lives in. Every test
# that needs a network namespace of its own makes it (ip netns add, a name
# unique to the test) and removes it; nothing here changes the host's
# interfaces, routes or firewall.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

setup() {
	TEST_NETNS=""
}

teardown() {
	stop_background
	[ -z "$TEST_NETNS" ] || ip netns del "$TEST_NETNS" 2>/dev/null || true
}

# make_netns: a network namespace of this test's own, /run/netns/$TEST_NETNS.
make_netns() {
	TEST_NETNS="barco-test-$$-$BATS_TEST_NUMBER"
	ip netns add "$TEST_NETNS" || fail "ip netns add $TEST_NETNS failed"
}

# run_in_netns [-N] ARGS... -- CMD...: run_in, with barco itself in the
# test's namespace (nsenter, not `ip netns exec`, which remounts /sys and
# would hide the cgroup tree): whatever it does to "the host's" network
# happens there.
run_in_netns() {
	local expect=()
	if [[ ${1:-} =~ ^-[0-9]+$ ]]; then
		expect=("$1")
		shift
	fi
	run "${expect[@]}" --separate-stderr nsenter --net="/run/netns/$TEST_NETNS" \
		timeout -k 5 "$BARCO_TIMEOUT" "$BARCO" run --rootfs "$ROOTFS" "$@"
}

@test "--net=none (the default) is a network namespace of its own with only lo, up" {
	run_in --name "$(cname)" --net=none -- /bin/sh -c \
		'ls /sys/class/net; cat /sys/class/net/lo/operstate; readlink /proc/self/ns/net'
	assert_success
	assert_line --index 0 "lo"
	assert_line --index 1 "unknown"
	refute_line "$(readlink /proc/self/ns/net)"
}

@test "--net=host shares the host's network namespace, and the report warns" {
	local n
	n=$(cname)
	make_netns
	# barco's "host" here is the test's namespace.
	run_in_netns -v --name "$n" --net=host -- readlink /proc/self/ns/net
	assert_success
	assert_output "net:[$(stat -L -c %i "/run/netns/$TEST_NETNS")]"
	[[ $stderr == *"network: --net=host: no network namespace of its own"* ]] ||
		fail "no --net=host line in the report: $stderr"
	[[ $stderr == *"network: WARNING: the container sees every host interface"* ]] ||
		fail "no warning in the report: $stderr"
	assert_nothing_left "$n"
}

@test "--net=ns:PATH joins that namespace: its interfaces, not the host's" {
	local n
	n=$(cname)
	make_netns
	ip -n "$TEST_NETNS" link add barco-dummy0 type veth peer name barco-dummy1
	# /proc/net follows the reader's namespace (/sys is the host's bound: sysfs
	# belongs to the namespace's owner, not the container's user namespace).
	run_in -v --name "$n" --net="ns:/run/netns/$TEST_NETNS" -- /bin/sh -c \
		'readlink /proc/self/ns/net; cut -d: -f1 /proc/net/dev | tr -d " "'
	assert_success
	assert_line --index 0 "net:[$(stat -L -c %i "/run/netns/$TEST_NETNS")]"
	assert_line "barco-dummy0"
	refute_line "$(ip -o link show | awk -F': ' 'NR == 2 { print $2 }')"
	refute_line "$(readlink /proc/self/ns/net)"
	[[ $stderr == *"setns(open(\"/run/netns/$TEST_NETNS\"), CLONE_NEWNET) = 0"* ]] ||
		fail "no setns in the report: $stderr"
	# The runner went back: the host still runs barco in its own namespace.
	assert_nothing_left "$n"
}

@test "barco step --net=host: the paused container is in the host's namespace" {
	local n pid
	n=$(cname)
	make_netns
	run nsenter --net="/run/netns/$TEST_NETNS" timeout -k 5 "$BARCO_TIMEOUT" "$BARCO" \
		step --until=network --rootfs "$ROOTFS" --name "$n" --net=host -- true
	assert_success
	assert_output --partial "--net=host: no network namespace of its own"
	pid=$(cat "/run/barco/$n/pid")
	assert_equal "$(readlink "/proc/$pid/ns/net")" \
		"net:[$(stat -L -c %i "/run/netns/$TEST_NETNS")]"
	run_barco delete "$n"
	assert_success
	assert_nothing_left "$n"
}

@test "bad --net values: one line, 125, nothing left" {
	local n arg
	n=$(cname)
	for arg in foo ns: ns:relative/path ns:/nonexistent/netns ns:/etc/hostname ""; do
		run_in -125 --name "$n" --net="$arg" -- true
		assert_equal "${#stderr_lines[@]}" 1
		[[ $stderr == "barco: invalid --net '"* ]] || fail "for '$arg': $stderr"
		assert_nothing_left "$n"
	done
}
