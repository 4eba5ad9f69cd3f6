#!/usr/bin/env bats
# barco as an ordinary user: two test users made here (and removed after),
# RANGED with a subordinate range of its own in /etc/subuid and /etc/subgid,
# SINGLE without one. Each runs barco through runuser(1), with no
# XDG_RUNTIME_DIR, so its state is in /tmp/barco-UID.

load helpers

# runuser's environment: no runtime directory of root's, a home of the test's.
as_user() {
	local user=$1
	shift
	run --separate-stderr timeout -k 5 "$BARCO_TIMEOUT" runuser -u "$user" -- env -u XDG_RUNTIME_DIR \
		BARCO_HOME="$TEST_ROOT/home-$user" HOME="$TEST_ROOT/home-$user" "$USER_BARCO" "$@"
}

setup_file() {
	command -v newuidmap >/dev/null || skip "no newuidmap (Debian package uidmap)"
	setup_suite_rootfs
	make_test_users brl 1000000000
}

teardown_file() {
	remove_test_users
	teardown_suite_rootfs
}

teardown() {
	stop_background
	show_stderr
	# The delegated cgroup of the v2 test, once its processes are gone.
	if [ -n "${DELEGATED:-}" ]; then
		rmdir "$DELEGATED/barco" "$DELEGATED/shell" "$DELEGATED" 2>/dev/null || true
	fi
}

# Pure cgroup v2: root delegates a directory to the user as systemd's
# Delegate=yes does (chown of it and of its cgroup.procs,
# cgroup.subtree_control, cgroup.threads), with a child "shell" that the
# user's barco starts in.
delegate_cgroup() {
	DELEGATED=/sys/fs/cgroup/$TAG-delegated
	mkdir "$DELEGATED" "$DELEGATED/shell"
	local f
	for f in "" cgroup.procs cgroup.subtree_control cgroup.threads; do
		chown "$1:$1" "$DELEGATED/$f"
	done
}

# Nothing of the user's left: no state directory entry, no process (theirs or
# their container's).
assert_user_clean() {
	local uid
	uid=$(id -u "$1")
	if [ -e "/tmp/barco-$uid" ]; then
		run find "/tmp/barco-$uid" -mindepth 1
		assert_output ""
	fi
	# Zombies are not counted: this host's pid 1 reaps orphans late.
	run pgrep -u "$uid,$SUB_START" -r D,R,S,T,t
	assert_output ""
	assert_nothing_left
}

@test "rootless with a subordinate range: root inside is the first subordinate uid outside" {
	as_user "$RANGED" run --rootfs "$ROOTFS" -- sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map'
	assert_success
	assert_line --index 0 0
	assert_line --regexp "^ +0 +$SUB_START +65536\$"
	[ "$(grep -c "$SUB_START" <<<"$output")" = 2 ] || fail "uid and gid maps: $output"
	assert_user_clean "$RANGED"
}

@test "rootless with a subordinate range: the host sees the container's processes as that uid" {
	local n pid
	n=$(cname)
	as_user "$RANGED" step --until=caps --name "$n" --rootfs "$ROOTFS" -- barco-testhelper sleep 60
	assert_success
	assert_output --partial "newuidmap"
	pid=$(cat "/tmp/barco-$RANGED_UID/$n/pid")
	[ "$(stat -c %u "/proc/$pid")" = "$SUB_START" ] || fail "pid $pid: $(stat -c %u "/proc/$pid")"
	as_user "$RANGED" delete "$n"
	assert_success
	assert_user_clean "$RANGED"
}

@test "rootless without a range: the single-id map, and the report says what it means" {
	local n
	n=$(cname)
	as_user "$SINGLE" step --until=userns --name "$n" --rootfs "$ROOTFS" -- true
	assert_success
	assert_output --partial "write /proc/"
	assert_output --regexp "uid_map = \"0 $SINGLE_UID 1"
	assert_output --partial "setgroups = \"deny\""
	assert_output --partial "files of other owners show as nobody"
	as_user "$SINGLE" step "$n" --until=exec
	assert_success
	as_user "$SINGLE" run --rootfs "$ROOTFS" -- sh -c 'id -u; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 0
	assert_line --regexp "^ +0 +$SINGLE_UID +1\$"
	assert_user_clean "$SINGLE"
}

@test "rootless: step through every stage, one at a time; ps follows; the status comes back" {
	local n stage
	n=$(cname)
	as_user "$RANGED" step --until=cgroups --name "$n" --rootfs "$ROOTFS" -- sh -c 'echo hello; exit 7'
	assert_success
	assert_output --partial "no cgroup: rootless"
	for stage in userns namespaces hostname mounts network caps seccomp; do
		as_user "$RANGED" step "$n"
		assert_success
		assert_output --partial "== stage"
		as_user "$RANGED" ps
		assert_line --regexp "^$n +[0-9]+ +$stage "
	done
	as_user "$RANGED" step "$n"
	assert_equal "$status" 7
	assert_output --partial hello
	assert_user_clean "$RANGED"
}

@test "rootless: step -i runs each stage on Enter" {
	run --separate-stderr timeout -k 5 "$BARCO_TIMEOUT" runuser -u "$SINGLE" -- env -u XDG_RUNTIME_DIR \
		"$USER_BARCO" step -i --rootfs "$ROOTFS" -- sh -c 'echo inside; exit 3' < <(yes '')
	assert_equal "$status" 3
	assert_output --partial inside
	assert_output --partial "stage 9/9: exec"
	assert_user_clean "$SINGLE"
}

@test "rootless: another user cannot list, step or delete a user's container" {
	local n
	n=$(cname)
	as_user "$RANGED" step --until=mounts --name "$n" --rootfs "$ROOTFS" -- true
	assert_success
	as_user "$SINGLE" ps
	refute_output --partial "$n"
	as_user "$SINGLE" step "$n"
	assert_equal "$status" 125
	assert_equal "$stderr" "barco: no container named '$n' (see 'barco ps')"
	as_user "$SINGLE" delete "$n"
	assert_equal "$status" 125
	# Pointing XDG_RUNTIME_DIR at the other user's directory does not help.
	run --separate-stderr runuser -u "$SINGLE" -- env XDG_RUNTIME_DIR="/tmp/barco-$RANGED_UID" \
		"$USER_BARCO" delete "$n"
	assert_equal "$status" 125
	# Root's barco lists root's containers only.
	run "$BARCO" ps
	refute_output --partial "$n"
	as_user "$RANGED" ps
	assert_line --regexp "^$n +[0-9]+ +mounts "
	as_user "$RANGED" delete "$n"
	assert_success
	assert_user_clean "$RANGED"
}

@test "rootless: a state directory another user made first is refused, and nothing is made" {
	local dir=/tmp/barco-$SINGLE_UID
	rm -rf "$dir"
	install -d -m 0777 "$dir"
	as_user "$SINGLE" run --rootfs "$ROOTFS" -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "barco: $dir is not a directory of yours with mode 0700 (uid 0, mode 0777): remove it, or set XDG_RUNTIME_DIR to your own directory"
	run find "$dir" -mindepth 1
	assert_output ""
	rmdir "$dir"
}

@test "rootless: limits without a delegated cgroup are refused, with how to get one" {
	local opt
	for opt in "--memory 64M" "--pids 16" "--cpu-weight 50"; do
		# shellcheck disable=SC2086
		as_user "$RANGED" run $opt --rootfs "$ROOTFS" -- true
		assert_equal "$status" 125
		assert_equal "${#stderr_lines[@]}" 1
		assert_output ""
		[[ $stderr == *"${opt%% *} needs a cgroup, and no cgroup is delegated to uid $RANGED_UID"*"Delegate=yes"* ]] ||
			fail "stderr: $stderr"
	done
	assert_user_clean "$RANGED"
}

# as_delegated USER ARGS...: barco ARGS as USER, started in the delegated
# cgroup's child (root moves the shell there; runuser keeps its cgroup).
as_delegated() {
	local user=$1
	shift
	run --separate-stderr timeout -k 5 "$BARCO_TIMEOUT" sh -c 'd=$1 u=$2 h=$3 b=$4 && shift 4 &&
		echo $$ >"$d/shell/cgroup.procs" &&
		exec runuser -u "$u" -- env -u XDG_RUNTIME_DIR HOME="$h" "$b" "$@"' \
		_ "$DELEGATED" "$user" "$TEST_ROOT/home-$user" "$USER_BARCO" "$@"
}

@test "rootless: limits in a cgroup v2 directory delegated to the user" {
	is_cgroup_v2 || skip "cgroup v1 or hybrid here: nothing can be delegated to a user"
	local c n pid d
	for c in memory pids cpu; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control || skip "cgroup v2 controller $c not enabled at the root"
	done
	delegate_cgroup "$RANGED"
	n=$(cname)
	d=$DELEGATED/barco/$n
	as_delegated "$RANGED" step --until=caps --name "$n" --memory 64M --pids 16 --cpu-weight 50 \
		--rootfs "$ROOTFS" -- true
	assert_success
	assert_output --partial "write $d/memory.max = 67108864"
	assert_equal "$(cat "$d/memory.max") $(cat "$d/pids.max") $(cat "$d/cpu.weight")" "67108864 16 50"
	pid=$(cat "/tmp/barco-$RANGED_UID/$n/pid")
	assert_equal "$(cat "/proc/$pid/cgroup")" "0::/$TAG-delegated/barco/$n"
	[ "$(stat -c %U "$d")" = "$RANGED" ] || fail "$d: $(ls -ld "$d")"
	as_delegated "$RANGED" delete "$n"
	assert_success
	[ ! -e "$d" ] || fail "its cgroup is left"
	assert_user_clean "$RANGED"
}

@test "rootless: bad input is one line, status 125, nothing left" {
	as_user "$SINGLE" run --userns=host --rootfs "$ROOTFS" -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "barco: --userns=host needs root on the host: without a user namespace an ordinary user's container has no privileges"
	# A range that is not the user's: newuidmap refuses it.
	as_user "$SINGLE" run --uidmap 0:0:1 --gidmap 0:0:1 --rootfs "$ROOTFS" -- true
	assert_equal "$status" 125
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == *"newuidmap failed"*"/etc/subuid"* ]] || fail "stderr: $stderr"
	as_user "$RANGED" run --rootfs "$TEST_ROOT/nonexistent" -- true
	assert_equal "$status" 125
	assert_equal "${#stderr_lines[@]}" 1
	assert_user_clean "$SINGLE"
	assert_user_clean "$RANGED"
}

@test "rootless: verify runs every row; only the proof that needs root is missing" {
	as_user "$RANGED" verify
	# Not verified (exit 1): without eBPF no row but the mountinfo one is proven.
	assert_equal "$status" 1
	assert_line --regexp '^read /proc/keys .* pass +mountinfo: .* /proc/keys '
	assert_line --regexp '^mount\(.* seccomp +EPERM +unproven +no tracing: rootless \(eBPF needs CAP_BPF'
	assert_line --regexp '^mknod\(.* capability +EPERM +unproven '
	assert_line --regexp '^kill\(.* namespace +ESRCH +unproven '
	assert_line --regexp "^allocate 256 MiB .* skip +no cgroup: none is delegated to uid $RANGED_UID\$"
	# Every action was still stopped: no row failed.
	run grep -E ' FAIL ' <<<"${output%%positive controls:*}"
	assert_output ""
	assert_user_clean "$RANGED"
}

@test "rootless: --trace says it cannot trace, and the container runs anyway" {
	as_user "$RANGED" run --trace --rootfs "$ROOTFS" -- echo ran
	assert_success
	assert_output ran
	[[ $stderr == *"--trace: no eBPF tracing, the container runs without it"* ]] ||
		fail "stderr: $stderr"
	[[ $stderr == *"trace of "*": not available: eBPF unusable: "* ]] || fail "stderr: $stderr"
	assert_user_clean "$RANGED"
}

@test "rootless: probe says which id maps and which cgroup this user gets" {
	as_user "$RANGED" probe
	assert_line "  => rootless ids: 0 $SUB_START 65536 from /etc/subuid (newuidmap)"
	as_user "$SINGLE" probe
	assert_line --regexp "^  => rootless ids: single-id map: no range for uid $SINGLE_UID "
	assert_line --regexp '^  => rootless cgroup: none: no limits .*Delegate=yes'
	assert_user_clean "$SINGLE"
}

@test "rootless: a rootfs of host root's cannot be id-mapped: one warning, and it runs" {
	cp -a "$ROOTFS" "$TEST_ROOT/root-owned"
	chown -R 0:0 "$TEST_ROOT/root-owned"
	as_user "$RANGED" run --rootfs "$TEST_ROOT/root-owned" -- stat -c %u /bin/busybox
	assert_success
	assert_output 65534
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == *"WARN"*"no id-mapped mount for rootfs $TEST_ROOT/root-owned: rootless: mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN over the filesystem, which only the host's root has; its files owned by host root show as nobody inside" ]] ||
		fail "stderr: $stderr"
	assert_user_clean "$RANGED"
}

@test "rootless: the default rootfs is made in the user's own data directory" {
	as_user "$SINGLE" run -- sh -c 'id -u; ls -ld /bin/busybox'
	assert_success
	assert_line --index 0 0
	# The user owns the rootfs, and with the single-id map so does root inside.
	assert_line --regexp '^-.* root +root .*/bin/busybox'
	[ "$(stat -c %U "$TEST_ROOT/home-$SINGLE/rootfs")" = "$SINGLE" ] ||
		fail "$(ls -ld "$TEST_ROOT/home-$SINGLE/rootfs")"
	assert_user_clean "$SINGLE"
}

@test "rootless: probe makes the namespaces inside a user namespace of the user's; what needs root is SKIP, not FAIL" {
	local kind
	as_user "$SINGLE" probe -v kernel userns ns caps
	# Every required check passes or needs root: the exit status says rootless barco works.
	assert_success
	for kind in mnt uts ipc net pid cgroup; do
		assert_line --regexp "^  PASS +ns\.$kind +unshare\(CLONE_NEW"
	done
	assert_line --regexp "^  PASS +kernel\.pivot_root "
	assert_line --regexp "^  PASS +caps\.bounding "
	# The evidence shows the user namespace made first, with the map a user may write.
	assert_line "           | unshare(CLONE_NEWUSER) as uid $SINGLE_UID, as rootless barco does first = 0"
	assert_line "           | write /proc/self/uid_map = \"0 $SINGLE_UID 1\""
	assert_line --regexp '^  SKIP +userns\.root +needs root: '
	assert_line --regexp '^  SKIP +caps\.root +needs root: '
	assert_line --regexp '^  SKIP +caps\.missing +needs root: '
	refute_line --regexp '^  FAIL '
	# The same as JSON: no required check fails, the SKIPs are counted.
	as_user "$SINGLE" probe --json
	assert_success
	# shellcheck disable=SC2016 # Python, not shell
	run /usr/bin/python3 -c '
import json, sys
p = json.load(sys.stdin)
print(p["exit_status"], p["required_failed"], p["counts"]["SKIP"] > 0)
print(",".join(sorted({c["status"] for s in p["sections"] for c in s["checks"] if c["name"].startswith("ns.")})))
print(next(s for s in p["sections"] if s["name"] == "cgroup")["conclusions"]["use"])' <<<"$output"
	assert_success
	assert_line --index 0 "0 0 True"
	assert_line --index 1 "PASS"
	assert_line --index 2 "none: rootless, and no cgroup is delegated to this user"
	assert_user_clean "$SINGLE"
}
