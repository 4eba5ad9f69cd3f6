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
	NET_CONTEXT=""
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

# ---- --net=bridge: barco runs in the test's namespace, so the bridge, the
# veths and the addresses exist only there; traffic stays between the
# containers and that namespace's bridge.

LEASES=/run/barco/net-leases

# start_in_netns NAME CMD...: `barco run --net=bridge` in the background, in the test's namespace.
start_in_netns() {
	local n=$1
	shift
	nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" run --rootfs "$ROOTFS" --name "$n" \
		--net=bridge -- "$@" >"$TEST_ROOT/out.$n" 2>"$TEST_ROOT/out.$n.err" 3>&- &
	BG_PIDS+=("$!")
}

# The container's address, from the hosts file barco bound into it.
container_addr() {
	awk -v n="$1" '$2 == n { print $1 }' "/run/barco/$1/hosts" 2>/dev/null
}

has_addr() {
	[ -n "$(container_addr "$1")" ]
}

# Links of the test's namespace other than lo: none once every container is gone.
netns_links() {
	ip -n "$TEST_NETNS" -o link show | awk -F': ' '$2 != "lo" { print $2 }'
}

# assert_no_network_left NAME...: no lease of theirs, no link but lo in the namespace.
assert_no_network_left() {
	local n
	for n in "$@"; do
		! grep -q " $n\$" "$LEASES" 2>/dev/null || fail "lease of $n left: $(cat "$LEASES")"
	done
	# A dead container's namespace (and the veth end in it) is freed by the kernel's workqueue.
	wait_until 30 test -z "$(netns_links)" || fail "links left: $(netns_links)${NET_CONTEXT:+ ($NET_CONTEXT)}"
}

# fault_in_netns NAME VAR=VALUE... [-- RUN OPTIONS...]: `barco run --net=bridge`
# in the test's namespace with bin/barco-fault (the test build) and those
# variables: BARCO_FAULT=network:WHERE, BARCO_NET_FAULT_STEP=N (the Nth
# netlink or nft request fails), BARCO_NET_FAULT_KILL=1 (barco dies there).
fault_in_netns() {
	local n=$1 vars=()
	shift
	while (($#)) && [[ $1 != -- ]]; do
		vars+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] && shift
	[ -x "$REPO/bin/barco-fault" ] || skip "no bin/barco-fault (make bin/barco-fault)"
	run --separate-stderr nsenter --net="/run/netns/$TEST_NETNS" env "${vars[@]}" \
		timeout -k 5 "$BARCO_TIMEOUT" "$REPO/bin/barco-fault" run --rootfs "$ROOTFS" \
		--name "$n" --net=bridge "$@" -- true
}

# assert_all_gone NAME: no link, lease, nft table, state, process or mount of it.
assert_all_gone() {
	assert_no_network_left "$1"
	run nsenter --net="/run/netns/$TEST_NETNS" nft list tables
	assert_output ""
	assert_nothing_left "$1"
}

@test "--net=bridge: two containers ping each other and the gateway; nothing left" {
	local a b addr f
	a=$(cname a)
	b=$(cname b)
	make_netns
	# A pid 1 with a handler: barco's SIGTERM, forwarded, ends it (see stop_background).
	start_in_netns "$a" /bin/sh -c 'trap "exit 0" TERM; sleep 60 & wait'
	wait_until 30 has_addr "$a" || fail "no address for $a: $(cat "$TEST_ROOT/out.$a.err")"
	addr=$(container_addr "$a")
	run_in_netns -v --name "$b" --net=bridge -- /bin/sh -c \
		"ping -c 2 -W 2 $addr && ping -c 1 -W 2 10.88.0.1 && ip -4 -o addr show dev eth0 &&
		 ip route && cat /etc/hostname /etc/hosts"
	assert_success
	assert_line --partial "2 packets transmitted, 2 packets received"
	assert_line --partial "1 packets transmitted, 1 packets received"
	assert_line "default via 10.88.0.1 dev eth0 "
	assert_line "$b"
	[[ $output == *"eth0    inet 10.88."*"/16"* ]] || fail "no 10.88.x.y/16 on eth0: $output"
	refute_line --partial "$addr	$b"
	[[ $stderr == *"network: RTM_NEWLINK veth barco-"*" master barco0 up, peer eth0 in net of pid "*" = 0"* ]] ||
		fail "no veth request in the report: $stderr"
	[[ $stderr == *"network: RTM_NEWROUTE default via 10.88.0.1 dev eth0 = 0"* ]] ||
		fail "no route request in the report: $stderr"
	# The bridge stays while $a holds an address, then goes with it.
	ip -n "$TEST_NETNS" link show barco0 >/dev/null || fail "barco0 gone while $a runs"
	stop_background
	assert_no_network_left "$a" "$b"
	assert_nothing_left "$a" "$b"
	# barco's own rootfs ships the name files: bound over, never made, never removed.
	[[ $stderr != *"empty mount point made"* ]] || fail "a mount point made in $ROOTFS: $stderr"
	for f in hosts hostname resolv.conf; do
		[ -f "$ROOTFS/etc/$f" ] || fail "$ROOTFS/etc/$f is gone"
	done
	[ ! -s "$ROOTFS/etc/hostname" ] || fail "$ROOTFS/etc/hostname was written: $(cat "$ROOTFS/etc/hostname")"
}

@test "--net=bridge: two containers on a rootfs without the name files share the mount points; the first to go leaves the second its binds" {
	make_netns
	shared_name_files_case start_in_netns
	assert_no_network_left "$(cname a)" "$(cname b)"
}

# all_have_addr NAME...: each container has printed its eth0 address.
all_have_addr() {
	local n
	for n in "$@"; do
		grep -q "inet 10\.88\." "$TEST_ROOT/out.$n" 2>/dev/null || return 1
	done
}

@test "--net=bridge: 20 containers started at once get 20 distinct addresses" {
	local i n names=()
	make_netns
	# Each holds its address until every one has printed its own: a container
	# that ended early would free its address for a later one (a slow machine
	# spreads the starts over seconds).
	for i in $(seq 1 20); do
		n=$(cname "c$i")
		names+=("$n")
		start_in_netns "$n" /bin/sh -c \
			'ip -4 -o addr show dev eth0; trap "exit 0" TERM; sleep 120 & wait'
	done
	wait_until 120 all_have_addr "${names[@]}" || {
		for n in "${names[@]}"; do
			all_have_addr "$n" || fail "$n has no address on eth0: $(cat "$TEST_ROOT/out.$n" "$TEST_ROOT/out.$n.err")"
		done
	}
	run sh -c "cat $TEST_ROOT/out.$TAG-$BATS_TEST_NUMBER-c* | awk '{ print \$4 }' | sort"
	assert_equal "${#lines[@]}" 20
	run sh -c "cat $TEST_ROOT/out.$TAG-$BATS_TEST_NUMBER-c* | awk '{ print \$4 }' | sort -u"
	assert_equal "${#lines[@]}" 20
	for i in "${!BG_PIDS[@]}"; do
		kill -TERM "${BG_PIDS[$i]}"
		wait_barco "${BG_PIDS[$i]}"
		assert_equal "$BG_STATUS" 0
	done
	BG_PIDS=()
	assert_no_network_left "${names[@]}"
	assert_nothing_left "${names[@]}"
}

@test "--net=bridge on a root-owned rootfs: the name files' mount points go through its id-mapped mount" {
	local n f root_rootfs=$TEST_ROOT/root-owned-$BATS_TEST_NUMBER
	n=$(cname)
	make_netns
	rootfs_without_name_files "$root_rootfs" >/dev/null
	chown -R 0:0 "$root_rootfs"
	run --separate-stderr nsenter --net="/run/netns/$TEST_NETNS" timeout -k 5 "$BARCO_TIMEOUT" \
		"$BARCO" run -v --rootfs "$root_rootfs" --name "$n" --net=bridge -- /bin/sh -c \
		'cat /etc/hostname; stat -c "%u %s" /etc/resolv.conf; ip -4 -o addr show dev eth0'
	assert_success
	[[ $stderr == *"MOUNT_ATTR_IDMAP"* ]] || fail "the rootfs was not id-mapped: $stderr"
	assert_line --index 0 "$n"
	assert_line --partial "eth0    inet 10.88."
	# Made for the bind, on disk as the rootfs's owner, and gone after.
	[[ $stderr == *"/etc/hostname: none in the rootfs, an empty mount point made"* ]] ||
		fail "no mount point made: $stderr"
	for f in hosts hostname resolv.conf; do
		[ ! -e "$root_rootfs/etc/$f" ] || fail "the mount point /etc/$f was left"
	done
	rm -rf "$root_rootfs"
	assert_no_network_left "$n"
	assert_nothing_left "$n"
}

@test "barco step --until=network --net=bridge, then delete: veth, lease, bridge gone" {
	local n
	n=$(cname)
	make_netns
	run nsenter --net="/run/netns/$TEST_NETNS" timeout -k 5 "$BARCO_TIMEOUT" "$BARCO" \
		step --until=network --rootfs "$ROOTFS" --name "$n" --net=bridge -- true
	assert_success
	assert_output --partial "RTM_NEWADDR eth0 10.88."
	assert_output --partial "ip -br link show master barco0   # the host ends"
	ip -n "$TEST_NETNS" link show barco0 >/dev/null || fail "no barco0 in the test's namespace"
	grep -q " $n\$" "$LEASES" || fail "no lease for $n: $(cat "$LEASES")"
	run nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" delete "$n"
	assert_success
	assert_no_network_left "$n"
	assert_nothing_left "$n"
}

@test "--net=bridge: barco SIGKILLed after the network stage; delete reclaims it all, mount points too" {
	local n f
	n=$(cname)
	make_netns
	ROOTFS=$(rootfs_without_name_files)
	fault_in_netns "$n" BARCO_FAULT=network:kill
	assert_equal "$status" 137
	grep -q " $n\$" "$LEASES" || fail "the lease of $n should outlive the SIGKILL"
	lists_mount_point "$n" "$ROOTFS/etc/hostname" || fail "no mount point noted: $(cat "/run/barco/$n/mountpoints")"
	[ -e "$ROOTFS/etc/hostname" ] || fail "the mount point should outlive the SIGKILL until reclaimed"
	run nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" delete "$n"
	assert_no_network_left "$n"
	assert_nothing_left "$n"
	for f in hosts hostname resolv.conf; do
		[ ! -e "$ROOTFS/etc/$f" ] || fail "the mount point $ROOTFS/etc/$f was left"
	done
}

@test "--net=bridge: a dead container is reclaimed only from the network namespace of its bridge" {
	local n
	n=$(cname)
	make_netns
	fault_in_netns "$n" BARCO_FAULT=network:kill
	assert_equal "$status" 137
	# A barco starting in the host's namespace reclaims what is stale, but not
	# this one: its bridge and nft table are out of its reach.
	run_in --name "$(cname other)" -- true
	assert_success
	[ -d "/run/barco/$n" ] || fail "$n was reclaimed from the host's namespace"
	grep -q " $n\$" "$LEASES" || fail "the lease of $n went without its links"
	run --separate-stderr "$BARCO" delete "$n"
	assert_equal "$status" 125
	[[ $stderr == *"its --net=bridge network is in network namespace net:[$(stat -L -c %i "/run/netns/$TEST_NETNS")], not this one: run barco delete there"* ]] ||
		fail "$stderr"
	run nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" delete "$n"
	assert_success
	assert_no_network_left "$n"
	assert_nothing_left "$n"
}

@test "--net=bridge: a failure after the network stage leaves nothing" {
	local n
	n=$(cname)
	make_netns
	fault_in_netns "$n" BARCO_FAULT=network:child
	assert_equal "$status" 125
	assert_no_network_left "$n"
	assert_nothing_left "$n"
}

@test "--net=bridge: a barco0 that is not a bridge: one line, 125, nothing left" {
	local n
	n=$(cname)
	make_netns
	ip -n "$TEST_NETNS" link add barco0 type veth peer name barco0p
	run_in_netns -125 --name "$n" --net=bridge -- true
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == *"a link named barco0 exists and is not a bridge"* ]] || fail "$stderr"
	! grep -q " $n\$" "$LEASES" 2>/dev/null || fail "lease of $n left"
	run ip -n "$TEST_NETNS" -o link show
	assert_equal "${#lines[@]}" 3 # lo and the veth pair barco0, barco0p: nothing of barco's
	assert_nothing_left "$n"
}

# ---- NAT and published ports (nft, in the test's namespace)


@test "-p 8080:80: a busybox httpd answers on the published port, 127.0.0.1 too; the table goes with it" {
	local n
	[ -x /usr/sbin/nft ] || skip "no nft (apt-get install nftables)"
	n=$(cname)
	make_netns
	# A second local address, 192.0.2.1, for a port published on it alone.
	ip -n "$TEST_NETNS" link add d0 type veth peer name d1
	ip -n "$TEST_NETNS" addr add 192.0.2.1/24 dev d0
	ip -n "$TEST_NETNS" link set d0 up
	ip -n "$TEST_NETNS" link set d1 up
	nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" run --rootfs "$ROOTFS" --name "$n" \
		--net=bridge -p 8080:80 -p 192.0.2.1:8081:80 -- /bin/sh -c "$HTTPD_CMD" \
		>"$TEST_ROOT/out.$n" 2>"$TEST_ROOT/out.$n.err" 3>&- &
	BG_PIDS+=("$!")
	wait_until 30 has_addr "$n" || fail "no address for $n: $(cat "$TEST_ROOT/out.$n.err")"
	wait_until 10 fetch http://10.88.0.1:8080/ || fail "nothing answers on 10.88.0.1:8080"
	assert_served "$n" 10.88.0.1:8080 192.0.2.1:8080 192.0.2.1:8081
	refute_served 10.88.0.1:8081 # published on 192.0.2.1 only
	# From the namespace's own 127.0.0.1 (its lo up, as a host's is): barco0's
	# route_localnet, and masquerade.
	ip -n "$TEST_NETNS" link set lo up
	assert_served "$n" 127.0.0.1:8080
	refute_served 127.0.0.1:8081
	assert_equal "$(ip netns exec "$TEST_NETNS" cat /proc/sys/net/ipv4/conf/barco0/route_localnet)" 1
	assert_equal "$(ip netns exec "$TEST_NETNS" cat /proc/sys/net/ipv4/conf/all/route_localnet)" 0
	ip -n "$TEST_NETNS" link del d0
	run nsenter --net="/run/netns/$TEST_NETNS" nft list map ip barco ports
	# nft names the protocol ("tcp") where the kernel kept the set's
	# typeof (6.18 here), and prints its number ("6") where it did not (6.1).
	[[ $output =~ (tcp|6)\ \.\ 8080\ :\ 10\.88\. ]] || fail "no 8080 entry in the map: $output"
	stop_background
	run nsenter --net="/run/netns/$TEST_NETNS" nft list tables
	assert_output ""
	assert_no_network_left "$n"
	assert_nothing_left "$n"
}

@test "--net=bridge egress: masqueraded to a second namespace the test owns (192.0.2.0/24)" {
	local n peer="barco-peer-$$-$BATS_TEST_NUMBER"
	[ -x /usr/sbin/nft ] || skip "no nft (apt-get install nftables)"
	n=$(cname)
	make_netns
	ip netns add "$peer"
	# The peer has no route to 10.88.0.0/16: only masquerade makes its answers come back.
	ip -n "$TEST_NETNS" link add up0 type veth peer name up1 netns "$peer"
	ip -n "$TEST_NETNS" addr add 192.0.2.1/24 dev up0
	ip -n "$TEST_NETNS" link set up0 up
	ip -n "$peer" addr add 192.0.2.2/24 dev up1
	ip -n "$peer" link set up1 up
	nsenter --net="/run/netns/$TEST_NETNS" sysctl -qw net.ipv4.ip_forward=1
	run_in_netns --name "$n" --net=bridge -- ping -c 2 -W 2 192.0.2.2
	ip -n "$TEST_NETNS" link del up0
	ip netns del "$peer"
	assert_success
	assert_line --partial "2 packets transmitted, 2 packets received"
	assert_no_network_left "$n"
	assert_nothing_left "$n"
}

@test "-p: a host port in use, malformed values, -p without bridge: one line, 125, nothing left" {
	local a b arg
	[ -x /usr/sbin/nft ] || skip "no nft (apt-get install nftables)"
	a=$(cname a)
	b=$(cname b)
	make_netns
	start_in_netns "$a" /bin/sh -c 'trap "exit 0" TERM; sleep 60 & wait'
	wait_until 30 has_addr "$a" || fail "no address for $a"
	# start_in_netns has no -p: publish 9090 for $a by hand, as barco would.
	nsenter --net="/run/netns/$TEST_NETNS" nft add element ip barco ports \
		"{ tcp . 9090 : $(container_addr "$a") . 80 }"
	run_in_netns -125 --name "$b" --net=bridge -p 9090:80 -- true
	assert_equal "${#stderr_lines[@]}" 1 || fail "$stderr"
	[[ $stderr == *"publishing host port 9090/tcp (in use?)"* ]] || fail "$stderr"
	! grep -q " $b\$" "$LEASES" || fail "lease of $b left"
	for arg in 80 0:80 80:70000 1.2.3:80:80 80:80/sctp :80 ""; do
		run_in -125 --name "$b" --net=bridge -p "$arg" -- true
		assert_equal "${#stderr_lines[@]}" 1 || fail "$stderr"
		[[ $stderr == "barco: invalid -p '$arg'"* ]] || fail "for '$arg': $stderr"
	done
	run_in -125 --name "$b" -p 8080:80 -- true
	[[ $stderr == *"-p publishes a port of --net=bridge"* ]] || fail "$stderr"
	assert_nothing_left "$b"
	stop_background
	assert_no_network_left "$a" "$b"
	assert_nothing_left "$a"
}

@test "--net=bridge -p: a failure after any netlink or nft request, or barco SIGKILLed there and barco delete, leaves nothing" {
	local n step
	[ -x /usr/sbin/nft ] || skip "no nft (apt-get install nftables)"
	n=$(cname)
	make_netns
	# The first container of a namespace makes 9 requests: the bridge, its address, up;
	# the veth; eth0's address, up; the route; the nft table, the port.
	for step in 1 2 3 4 5 6 7 8 9; do
		fault_in_netns "$n" BARCO_NET_FAULT_STEP=$step -- -p 8080:80
		assert_equal "$status" 125
		[[ $stderr == *"fault injected (BARCO_NET_FAULT_STEP=$step)"* ]] ||
			fail "step $step: $stderr"
		assert_equal "${#stderr_lines[@]}" 1
		NET_CONTEXT="failed at request $step"
		assert_all_gone "$n"
		fault_in_netns "$n" BARCO_NET_FAULT_STEP=$step BARCO_NET_FAULT_KILL=1 -- -p 8080:80
		assert_equal "$status" 137
		run nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" delete "$n"
		NET_CONTEXT="killed after request $step; barco delete said: $output"
		assert_all_gone "$n"
	done
}

@test "--net=bridge: after barco is SIGKILLed, the next start reclaims its address and nft element" {
	local n m
	[ -x /usr/sbin/nft ] || skip "no nft (apt-get install nftables)"
	n=$(cname dead)
	m=$(cname next)
	make_netns
	fault_in_netns "$n" BARCO_FAULT=network:kill -- -p 8080:80
	assert_equal "$status" 137
	grep -q " $n\$" "$LEASES" || fail "the lease of $n should outlive the SIGKILL"
	# The next start reclaims the dead container (state, cgroups, lease,
	# its element of the map), then runs on the same port, on the same bridge.
	run_in_netns --name "$m" --net=bridge -p 8080:80 -- true
	assert_success
	assert_all_gone "$n"
	assert_all_gone "$m"
}
