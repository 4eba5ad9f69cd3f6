#!/usr/bin/env bats
# --net=slirp4netns: a network namespace of the container's own with tap0,
# served by slirp4netns, for root and for ordinary users. As in
# network.bats, barco runs inside a network namespace each test makes:
# there a veth end holds 192.0.2.1 (TEST-NET-1, RFC 5737) and a bounded
# HTTP server listens on it; what slirp4netns sends on the container's
# behalf goes there and nowhere else. Rootless runs go through two test
# users made here (RANGED with a subordinate range, SINGLE without), as in
# rootless.bats, in a mount namespace of the test's own where
# /dev/net/tun is a node of mode 0666 (udev's mode; this host's may be
# 0600): nothing of the host's changes.

load helpers

PAGE_PORT=8000

setup_file() {
	[ -x /usr/bin/slirp4netns ] || skip "no slirp4netns (apt-get install slirp4netns)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun (modprobe tun)"
	setup_suite_rootfs
	make_test_users bsl 1200000000
	local u
	for u in "$RANGED" "$SINGLE"; do
		# A rootfs of the user's own, without the name files: their mount points can be made in it.
		rootfs_without_name_files "$TEST_ROOT/rootfs-$u" >/dev/null
		chown -R "$u:$u" "$TEST_ROOT/rootfs-$u"
	done
	# The modes for user_barco's node (these files are never opened).
	install -m 0666 /dev/null "$TEST_ROOT/tun"
	install -m 0600 /dev/null "$TEST_ROOT/tun-0600"
	mkdir "$TEST_ROOT/devs"
	mkdir -p "$TEST_ROOT/www"
	echo "hello from 192.0.2.1" >"$TEST_ROOT/www/index.html"
}

teardown_file() {
	remove_test_users
	teardown_suite_rootfs
}

setup() {
	TEST_NETNS=""
	SERVER_PID=""
}

teardown() {
	stop_background
	show_stderr
	[ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
	[ -z "$TEST_NETNS" ] || ip netns del "$TEST_NETNS" 2>/dev/null || true
}

# make_netns: the test's namespace, 192.0.2.1/24 on a veth end in it, and an
# HTTP server there (python3's, bounded to 120 s) serving $TEST_ROOT/www.
make_netns() {
	TEST_NETNS="barco-test-$$-$BATS_TEST_NUMBER"
	ip netns add "$TEST_NETNS" || fail "ip netns add $TEST_NETNS failed"
	ip -n "$TEST_NETNS" link add d0 type veth peer name d1
	ip -n "$TEST_NETNS" addr add 192.0.2.1/24 dev d0
	ip -n "$TEST_NETNS" link set d0 up
	ip -n "$TEST_NETNS" link set d1 up
	ip -n "$TEST_NETNS" link set lo up
	nsenter --net="/run/netns/$TEST_NETNS" timeout 120 /usr/bin/python3 -m http.server \
		--bind 192.0.2.1 --directory "$TEST_ROOT/www" "$PAGE_PORT" \
		>"$TEST_ROOT/http.$BATS_TEST_NUMBER.log" 2>&1 3>&- &
	SERVER_PID=$!
	wait_until 10 fetch "http://192.0.2.1:$PAGE_PORT/" >/dev/null 2>&1 ||
		fail "the test's HTTP server is not up"
}

# run_slirp [-N] ARGS... -- CMD...: `barco run --net=slirp4netns` as root, in the test's namespace.
run_slirp() {
	local expect=()
	if [[ ${1:-} =~ ^-[0-9]+$ ]]; then
		expect=("$1")
		shift
	fi
	run "${expect[@]}" --separate-stderr nsenter --net="/run/netns/$TEST_NETNS" \
		timeout -k 5 "$BARCO_TIMEOUT" "$BARCO" run --rootfs "$ROOTFS" --net=slirp4netns "$@"
}

# user_barco TUN USER ARGS...: the user's barco ARGS in the test's network
# namespace, in a mount namespace where /dev/net/tun is a node of TUN's mode
# (in a subshell: it execs). The node is made there on a tmpfs of that
# namespace's own: a node on a filesystem mounted nodev (a fresh machine's
# /tmp) opens for nobody, whatever its mode.
user_barco() {
	local tun=$1 user=$2
	shift 2
	# exec: in the background, the pid stop_background signals is timeout's,
	# which passes it on to barco itself. setpriv, not runuser: runuser stays
	# barco's parent and SIGKILLs it 2 s after passing on a SIGTERM, which on
	# a loaded machine cut barco's teardown short and left its state.
	exec nsenter --net="/run/netns/$TEST_NETNS" unshare -m --propagation private sh -c \
		'mount -t tmpfs -o "${TUN_TMPFS_OPTS:-mode=0755}" tmpfs "$6" && mknod -m "$(stat -c %a "$1")" "$6/tun" c 10 200 &&
		 mount --bind "$6/tun" /dev/net/tun && u=$2 h=$3 b=$4 t=$5 && shift 6 &&
		 exec timeout -k 5 "$t" setpriv --reuid="$u" --regid="$u" --init-groups -- env -u XDG_RUNTIME_DIR \
			HOME="$h" BARCO_HOME="$h" USER="$u" LOGNAME="$u" "$b" "$@"' \
		_ "$tun" "$user" "$TEST_ROOT/home-$user" "$USER_BARCO" "$BARCO_TIMEOUT" "$TEST_ROOT/devs" "$@"
}

# as_user_slirp [-N] USER [--tun FILE] ARGS...: user_barco under bats' run (a subshell);
# /dev/net/tun is FILE (default: a node of mode 0666).
as_user_slirp() {
	local expect=() tun=$TEST_ROOT/tun user
	if [[ ${1:-} =~ ^-[0-9]+$ ]]; then
		expect=("$1")
		shift
	fi
	user=$1
	shift
	if [[ ${1:-} == --tun ]]; then
		tun=$2
		shift 2
	fi
	run "${expect[@]}" --separate-stderr user_barco "$tun" "$user" "$@"
}

# slirp_pid: the pid the report gave slirp4netns ("execve(...) = pid N").
slirp_pid() {
	sed -n 's/.*execve("[^"]*slirp4netns", .*) = pid \([0-9]*\):.*/\1/p' <<<"$stderr" | head -1
}

# gone PID: no such process, or a zombie (this host's pid 1 reaps orphans late).
gone() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

# assert_slirp_gone PID NAME STATE_DIR: slirp4netns exited; no state, socket or mount point left.
assert_slirp_gone() {
	[ -n "$1" ] || fail "no slirp4netns pid in the report: $stderr"
	wait_until 10 gone "$1" || fail "slirp4netns (pid $1) still runs: $(ps -o pid,stat,args -p "$1")"
	[ ! -e "$3/$2" ] || fail "state left: $(ls -la "$3/$2")"
	run pgrep -f -- "$2"
	assert_output ""
}

@test "--net=slirp4netns (root): tap0 10.0.2.100/24, the test's server reached, resolv.conf 10.0.2.3; nothing left" {
	local n pid f
	n=$(cname)
	make_netns
	ROOTFS=$(rootfs_without_name_files)
	run_slirp -v --name "$n" -- /bin/sh -c \
		"ip -4 -o addr show dev tap0; ip route; cat /etc/resolv.conf /etc/hostname;
		 wget -q -O- http://192.0.2.1:$PAGE_PORT/"
	assert_success
	[[ $output == *"tap0    inet 10.0.2.100/24 "* ]] || fail "no 10.0.2.100/24 on tap0: $output"
	assert_line "default via 10.0.2.2 dev tap0 "
	assert_line "nameserver 10.0.2.3"
	assert_line "$n"
	assert_line "hello from 192.0.2.1"
	[[ $stderr == *'network: fork(), setsid(), unshare(CLONE_NEWNS), mount(/, MS_REC|MS_PRIVATE), execve("/usr/bin/slirp4netns", "slirp4netns --configure --mtu=65520 --disable-host-loopback --enable-sandbox --enable-seccomp --netns-type=path --userns-path=/proc/self/fd/4 --ready-fd=5 --exit-fd=6 /proc/self/fd/3 tap0") = pid '* ]] ||
		fail "no slirp4netns command line in the report: $stderr"
	[[ $stderr == *'network: read(ready pipe) = "1": tap0 is up in the container, 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3'* ]] ||
		fail "no ready line in the report: $stderr"
	[[ $stderr == *"namespaces: open(\"/proc/self/ns/net\"), open(\"/proc/self/ns/user\"): passed to the runner"* ]] ||
		fail "no namespace passing in the report: $stderr"
	pid=$(slirp_pid)
	assert_slirp_gone "$pid" "$n" /run/barco
	for f in hosts hostname resolv.conf; do
		[ ! -e "$ROOTFS/etc/$f" ] || fail "the mount point $ROOTFS/etc/$f was left"
	done
	# The test's own /run/netns mount is still there (the sandbox's umount did not propagate).
	ip netns exec "$TEST_NETNS" true || fail "the test's namespace mount is gone"
	assert_nothing_left "$n"
}

# start_slirp NAME CMD...: `barco run --net=slirp4netns` as root in the
# background, in the test's namespace.
start_slirp() {
	local n=$1
	shift
	nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" run -v --rootfs "$ROOTFS" --name "$n" \
		--net=slirp4netns -- "$@" >"$TEST_ROOT/out.$n" 2>"$TEST_ROOT/out.$n.err" 3>&- &
	BG_PIDS+=("$!")
}

@test "--net=slirp4netns: two containers on a rootfs without the name files share the mount points; the first to go leaves the second its binds" {
	make_netns
	shared_name_files_case start_slirp
	grep -q "/etc/hostname: the mount point another container made, shared" "$TEST_ROOT/out.$(cname b).err" ||
		fail "no shared mount point in the report: $(cat "$TEST_ROOT/out.$(cname b).err")"
}

@test "--net=slirp4netns -p (root): the container's httpd from the test's namespace; socket gone after" {
	local n pid
	n=$(cname)
	make_netns
	nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" run -v --rootfs "$ROOTFS" --name "$n" \
		--net=slirp4netns -p 8080:80 -p 192.0.2.1:8081:80 -- /bin/sh -c "$HTTPD_CMD" \
		>"$TEST_ROOT/out.$n" 2>"$TEST_ROOT/out.$n.err" 3>&- &
	BG_PIDS+=("$!")
	wait_until 20 fetch http://192.0.2.1:8080/ || fail "nothing answers on 192.0.2.1:8080: $(cat "$TEST_ROOT/out.$n.err")"
	assert_served "$n" 192.0.2.1:8080 127.0.0.1:8080 192.0.2.1:8081
	refute_served 127.0.0.1:8081 # published on 192.0.2.1 only
	[ -S "/run/barco/$n/slirp.sock" ] || fail "no API socket in the state directory"
	stderr=$(cat "$TEST_ROOT/out.$n.err")
	[[ $stderr == *'network: connect(slirp.sock), send {"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "0.0.0.0", "host_port": 8080, "guest_addr": "10.0.2.100", "guest_port": 80}} = {"return":{"id":1}}'* ]] ||
		fail "no add_hostfwd in the report: $stderr"
	pid=$(slirp_pid)
	stop_background
	assert_slirp_gone "$pid" "$n" /run/barco
	refute_served 192.0.2.1:8080
	assert_nothing_left "$n"
}

@test "--net=slirp4netns -p: a host port in use is one line, 125, nothing left" {
	local n pid
	n=$(cname)
	make_netns
	# The test's server holds 192.0.2.1:$PAGE_PORT: slirp4netns cannot bind it.
	run_slirp -125 --name "$n" -p "192.0.2.1:$PAGE_PORT:80" -- true
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "barco: stage network: publishing host port $PAGE_PORT/tcp (in use?): slirp4netns answered "*"error"* ]] ||
		fail "$stderr"
	# Its command line names the container (the API socket): assert_nothing_left looks for it.
	assert_nothing_left "$n"
}

@test "--net=slirp4netns: barco SIGKILLed, slirp4netns exits by itself; delete reclaims the rest" {
	local n pid barco_pid
	n=$(cname)
	make_netns
	ROOTFS=$(rootfs_without_name_files)
	nsenter --net="/run/netns/$TEST_NETNS" "$BARCO" run -v --rootfs "$ROOTFS" --name "$n" \
		--net=slirp4netns -p 8080:80 -- sleep 60 \
		>"$TEST_ROOT/out.$n" 2>"$TEST_ROOT/out.$n.err" 3>&- &
	barco_pid=$!
	BG_PIDS+=("$barco_pid")
	wait_until 20 grep -q "exec: done" "$TEST_ROOT/out.$n.err" || fail "never ran: $(cat "$TEST_ROOT/out.$n.err")"
	stderr=$(cat "$TEST_ROOT/out.$n.err")
	pid=$(slirp_pid)
	[ -n "$pid" ] && ! gone "$pid" || fail "no slirp4netns running: $stderr"
	[ -e "$ROOTFS/etc/resolv.conf" ] || fail "no mount point made for /etc/resolv.conf: $stderr"
	kill -KILL "$barco_pid"
	wait "$barco_pid" || true
	# The exit pipe closed with barco: slirp4netns ends without anyone's help.
	wait_until 10 gone "$pid" || fail "slirp4netns (pid $pid) outlived barco"
	# The dead container is stale now, and any barco that starts reclaims it:
	# with bats --jobs (the VM) one in another file may come before this
	# delete. Either way the reclaim, not the dead barco, removes the mount point.
	if [ -e "$ROOTFS/etc/resolv.conf" ]; then
		run_barco delete "$n"
		[ "$status" -eq 0 ] || [[ $stderr == "barco: no container named '$n'"* ]] ||
			fail "delete: status $status: $stderr"
	else
		wait_until 10 test ! -e "/run/barco/$n" ||
			fail "the mount point is gone but the state of $n is not"
	fi
	assert_slirp_gone "$pid" "$n" /run/barco
	[ ! -e "$ROOTFS/etc/resolv.conf" ] || fail "the mount point $ROOTFS/etc/resolv.conf was left"
	assert_nothing_left "$n"
}

@test "--net=slirp4netns: a container that turns its /etc into a symlink cannot have barco remove a host file" {
	local n rootfs=$TEST_ROOT/rootfs-sym victim=$TEST_ROOT/victim
	n=$(cname)
	make_netns
	rootfs_without_name_files "$rootfs" >/dev/null
	# An empty file of the rootfs's owner, where the symlink will lead on the host.
	mkdir -p "$victim"
	install -o "$(stat -c %u "$rootfs")" -g "$(stat -c %g "$rootfs")" -m 0644 /dev/null "$victim/resolv.conf"
	run --separate-stderr nsenter --net="/run/netns/$TEST_NETNS" timeout -k 5 "$BARCO_TIMEOUT" \
		"$BARCO" run --rootfs "$rootfs" --name "$n" --net=slirp4netns -- \
		/bin/sh -c "mv /etc /etc.real && ln -s $victim /etc"
	assert_success
	[ -L "$rootfs/etc" ] || fail "the container did not make /etc a symlink"
	[ -e "$victim/resolv.conf" ] || fail "barco removed $victim/resolv.conf through the container's symlink"
	rm -rf "$rootfs" "$victim"
	assert_nothing_left "$n"
}

@test "barco step --until=network --net=slirp4netns, then delete: slirp4netns gone" {
	local n pid
	n=$(cname)
	make_netns
	run --separate-stderr nsenter --net="/run/netns/$TEST_NETNS" timeout -k 5 "$BARCO_TIMEOUT" \
		"$BARCO" step --until=network --rootfs "$ROOTFS" --name "$n" --net=slirp4netns -- true
	assert_success
	stderr=$output
	pid=$(slirp_pid)
	[ -n "$pid" ] && ! gone "$pid" || fail "no slirp4netns running: $output"
	nsenter -t "$(cat "/run/barco/$n/pid")" -n ip -4 -o addr show dev tap0 | grep -q "10.0.2.100/24" ||
		fail "tap0 has no 10.0.2.100/24"
	run_barco delete "$n"
	assert_success
	assert_slirp_gone "$pid" "$n" /run/barco
	assert_nothing_left "$n"
}

@test "--net=slirp4netns without slirp4netns: one line, 125, nothing left" {
	local n
	[ -x "$REPO/bin/barco-fault" ] || skip "no bin/barco-fault (make bin/barco-fault)"
	n=$(cname)
	run --separate-stderr env BARCO_SLIRP4NETNS=/nonexistent/slirp4netns timeout -k 5 "$BARCO_TIMEOUT" \
		"$REPO/bin/barco-fault" run --rootfs "$ROOTFS" --name "$n" --net=slirp4netns -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "barco: --net=slirp4netns: /nonexistent/slirp4netns: No such file or directory: install it (apt-get install slirp4netns)"
	assert_nothing_left "$n"
}

# ---- rootless

@test "rootless --net=slirp4netns (range and single map): the test's server reached, -p answers; nothing left" {
	local u n pid uid
	make_netns
	for u in "$RANGED" "$SINGLE"; do
		n=$(cname "$u")
		uid=$(id -u "$u")
		as_user_slirp "$u" run -v --rootfs "$TEST_ROOT/rootfs-$u" --name "$n" --net=slirp4netns -- \
			/bin/sh -c "id -u; ip -4 -o addr show dev tap0; cat /etc/resolv.conf; wget -q -O- http://192.0.2.1:$PAGE_PORT/"
		assert_success
		assert_line --index 0 0
		[[ $output == *"tap0    inet 10.0.2.100/24 "* ]] || fail "no 10.0.2.100/24 on tap0: $output"
		assert_line "nameserver 10.0.2.3"
		assert_line "hello from 192.0.2.1"
		# No sandbox for an ordinary user (see stages/net_slirp.h), seccomp still.
		[[ $stderr == *'execve("/usr/bin/slirp4netns", "slirp4netns --configure --mtu=65520 --disable-host-loopback --enable-seccomp --netns-type=path'* ]] ||
			fail "no rootless command line in the report: $stderr"
		[[ $stderr == *'openat2(rootfs, "etc/resolv.conf", O_CREAT|O_EXCL, RESOLVE_IN_ROOT) = 0'* ]] ||
			fail "no mount point made on the host side: $stderr"
		pid=$(slirp_pid)
		assert_slirp_gone "$pid" "$n" "/tmp/barco-$uid"
		[ ! -e "$TEST_ROOT/rootfs-$u/etc/resolv.conf" ] || fail "the mount point was left in $u's rootfs"
		run find "/tmp/barco-$uid" -mindepth 1
		assert_output ""
	done
	# -p: the container's httpd, published by the user's slirp4netns.
	n=$(cname p)
	(user_barco "$TEST_ROOT/tun" "$RANGED" run -v --rootfs "$TEST_ROOT/rootfs-$RANGED" --name "$n" \
		--net=slirp4netns -p 8080:80 -- /bin/sh -c "$HTTPD_CMD" \
		>"$TEST_ROOT/out.$n" 2>"$TEST_ROOT/out.$n.err" 3>&-) &
	BG_PIDS+=("$!")
	wait_until 20 fetch http://192.0.2.1:8080/ || fail "nothing answers on 192.0.2.1:8080: $(cat "$TEST_ROOT/out.$n.err")"
	assert_served "$n" 192.0.2.1:8080
	stderr=$(cat "$TEST_ROOT/out.$n.err")
	pid=$(slirp_pid)
	[ "$(stat -c %u "/proc/$pid")" = "$(id -u "$RANGED")" ] || fail "slirp4netns (pid $pid) is not $RANGED's"
	stop_background
	assert_slirp_gone "$pid" "$n" "/tmp/barco-$(id -u "$RANGED")"
	wait_until 10 no_process_of "$RANGED" || fail "processes of $RANGED left: $(pgrep -a -u "$RANGED")"
	assert_nothing_left "$n"
}

@test "rootless --net=bridge is refused, naming slirp4netns; /dev/net/tun closed to the user, or nodev: one line, 125" {
	local n
	make_netns
	n=$(cname)
	as_user_slirp "$SINGLE" run --rootfs "$TEST_ROOT/rootfs-$SINGLE" --name "$n" --net=bridge -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "barco: --net=bridge needs root on the host (a bridge, veth pairs and NAT rules are the host's): use --net=slirp4netns, a network stack of the user's own (apt-get install slirp4netns)"
	as_user_slirp "$SINGLE" --tun "$TEST_ROOT/tun-0600" run --rootfs "$TEST_ROOT/rootfs-$SINGLE" \
		--name "$n" --net=slirp4netns -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "barco: --net=slirp4netns: uid $(id -u "$SINGLE") may not open /dev/net/tun (mode 0600, owner uid 0): as root, chmod 0666 /dev/net/tun, the mode udev gives it (a tap device is made only in a network namespace of the user's own)"
	# A node the mode lets the user open, on a filesystem mounted nodev (a
	# fresh Debian's /tmp): the open(2) barco tries says so, not slirp4netns's
	# bare "child failed".
	TUN_TMPFS_OPTS=mode=0755,nodev as_user_slirp "$SINGLE" run --rootfs "$TEST_ROOT/rootfs-$SINGLE" \
		--name "$n" --net=slirp4netns -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "barco: --net=slirp4netns: open /dev/net/tun: Permission denied, though its mode (0666) lets uid $(id -u "$SINGLE") in: is it on a filesystem mounted nodev?"
	# The user's state directory holds nothing (a fresh machine has none at all).
	if [ -d "/tmp/barco-$(id -u "$SINGLE")" ]; then
		run find "/tmp/barco-$(id -u "$SINGLE")" -mindepth 1
		assert_output ""
	fi
	assert_nothing_left "$n"
}

@test "probe: slirp4netns is found (net.rootless); for a user, only with a /dev/net/tun they may open" {
	run_barco probe
	assert_line --regexp '^  PASS +net\.rootless +found: slirp4netns'
	make_netns
	as_user_slirp "$SINGLE" probe
	assert_line --regexp '^  PASS +net\.rootless +found: slirp4netns'
	as_user_slirp "$SINGLE" --tun "$TEST_ROOT/tun-0600" probe
	assert_line --regexp '^  WARN +net\.rootless +found: slirp4netns, but this user cannot open /dev/net/tun'
	assert_line --partial "chmod 0666 /dev/net/tun"
}
