#!/usr/bin/env bats
# The default rootfs: made on first use under $BARCO_HOME (or
# /var/lib/barco), owned by the uid container root maps to.

load helpers

setup_file() {
	setup_suite_rootfs
	export BARCO_HOME=$TEST_ROOT/home-default
}
teardown_file() { teardown_suite_rootfs; }

@test "the first run creates \$BARCO_HOME/rootfs and runs in it" {
	[ ! -e "$BARCO_HOME" ] || fail "$BARCO_HOME exists before the first run"
	run_barco run --name "$(cname)" -- /bin/echo ok
	show_stderr
	assert_success
	assert_output "ok"
	[ -x "$BARCO_HOME/rootfs/bin/busybox" ] || fail "no $BARCO_HOME/rootfs/bin/busybox"
}

@test "the default rootfs is owned by the mapped root" {
	[ -d "$BARCO_HOME/rootfs" ] || skip "the first run did not create it"
	assert_equal "$(stat -c %u:%g "$BARCO_HOME/rootfs/bin/busybox")" "$MAPPED_ROOT:$MAPPED_ROOT"
	assert_equal "$(stat -c %u:%g "$BARCO_HOME/rootfs")" "$MAPPED_ROOT:$MAPPED_ROOT"
	# Nothing owned by host root, which container root could not write.
	run find "$BARCO_HOME/rootfs" -xdev -uid 0
	assert_output ""
}

@test "the default rootfs has a shell and a minimal /etc" {
	run_barco run --name "$(cname)" -- /bin/sh -c 'cat /etc/passwd; echo shell=$0'
	assert_success
	assert_line --regexp '^root:x?:0:0:'
	assert_line "shell=/bin/sh"
}

@test "barco rootfs create ships /etc/hosts, and /etc/hostname and /etc/resolv.conf empty, for --net to bind over" {
	local f
	# $ROOTFS: what setup_suite_rootfs made with `barco rootfs create`.
	for f in hosts hostname resolv.conf; do
		[ -f "$ROOTFS/etc/$f" ] && [ ! -L "$ROOTFS/etc/$f" ] || fail "no regular file $ROOTFS/etc/$f"
		assert_equal "$(stat -c '%u:%g %a' "$ROOTFS/etc/$f")" "$MAPPED_ROOT:$MAPPED_ROOT 644"
	done
	assert_equal "$(stat -c %s "$ROOTFS/etc/hostname")" 0
	assert_equal "$(stat -c %s "$ROOTFS/etc/resolv.conf")" 0
	run grep -c localhost "$ROOTFS/etc/hosts"
	assert_output 2
}

@test "later runs reuse it and leave nothing next to it" {
	local before
	before=$(stat -c %i "$BARCO_HOME/rootfs")
	run_barco run --name "$(cname)" -- /bin/echo again
	assert_success
	assert_output "again"
	assert_equal "$(stat -c %i "$BARCO_HOME/rootfs")" "$before"
	# Only the rootfs (and the lock that serialises first runs): no temporary copies.
	run ls -A "$BARCO_HOME"
	refute_line --regexp '^(\.?rootfs.+|tmp.*|\..*tmp.*)$'
	assert_line "rootfs"
}

@test "container root can write into its own rootfs" {
	run_barco run --name "$(cname)" -- /bin/sh -c 'echo hi >/root-was-here && cat /root-was-here'
	assert_success
	assert_output "hi"
	assert_equal "$(stat -c %u "$BARCO_HOME/rootfs/root-was-here")" "$MAPPED_ROOT"
	rm -f "$BARCO_HOME/rootfs/root-was-here"
}

@test "two first runs at once both succeed and leave one rootfs" {
	export BARCO_HOME=$TEST_ROOT/home-race
	local a b sa=0 sb=0
	"$BARCO" run -- /bin/echo a >"$TEST_ROOT/race.a" 2>&1 3>&- &
	a=$!
	"$BARCO" run -- /bin/echo b >"$TEST_ROOT/race.b" 2>&1 3>&- &
	b=$!
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	[ "$sa" = 0 ] && [ "$sb" = 0 ] ||
		fail "statuses $sa and $sb: $(cat "$TEST_ROOT/race.a" "$TEST_ROOT/race.b")"
	# Only the rootfs (and the lock that serialises first runs): no temporary copies.
	run ls -A "$BARCO_HOME"
	refute_line --regexp '^(\.?rootfs.+|tmp.*|\..*tmp.*)$'
	assert_line "rootfs"
}

@test "barco rootfs create refuses an existing directory" {
	run_barco rootfs create "$ROOTFS"
	assert_failure 125
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^barco: .*$ROOTFS"
}

@test "barco rootfs create makes a rootfs owned by the mapped root, and nothing else" {
	local dir=$TEST_ROOT/made
	run_barco rootfs create "$dir"
	show_stderr
	assert_success
	[ -x "$dir/bin/busybox" ] || fail "no $dir/bin/busybox"
	[ -e "$dir/bin/sh" ] || fail "no $dir/bin/sh applet link"
	assert_equal "$(stat -c %u "$dir/bin/busybox")" "$MAPPED_ROOT"
	# No temporary sibling left next to it.
	run ls -A "$TEST_ROOT"
	refute_line --regexp '^made.+'
}
