#!/usr/bin/env bats
# The mount namespace: masked and read-only paths, /dev, /tmp, pivot_root,
# and nothing written to or mounted on the host.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

# masked_paths_here: the masked files this kernel has.
masked_paths_here() {
	local f
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sysrq-trigger /proc/sched_debug; do
		[ -e "$f" ] && echo "$f"
	done
	return 0
}

@test "masked files read as empty" {
	local f files
	files=$(masked_paths_here)
	[ -n "$files" ] || skip "none of the masked /proc files exist on this kernel"
	for f in $files; do
		run_in --name "$(cname)" -- barco-testhelper read "$f"
		assert_success
		# Not an error (an unmasked /proc/timer_list would be EACCES): empty.
		[ -z "$output" ] || fail "$f reads as: ${output:0:200}"
	done
}

@test "masked files are covered by a mount, and cannot be written" {
	local f files
	files=$(masked_paths_here)
	[ -n "$files" ] || skip "none of the masked /proc files exist on this kernel"
	run_in --name "$(cname)" -- barco-testhelper mounts
	assert_success
	local mountpoints
	mountpoints=$(awk '{ print $5 }' <<<"$output")
	for f in $files; do
		grep -qx -- "$f" <<<"$mountpoints" || fail "$f is not masked by a mount"
	done
	run_in --name "$(cname)" -- barco-testhelper write /proc/timer_list x
	assert_output --regexp '^write=E(ROFS|ACCES|PERM)$'
}

@test "masked directories are empty" {
	[ -d /sys/firmware ] || skip "no /sys/firmware on this host"
	run_in --name "$(cname)" -- barco-testhelper ls /sys/firmware
	show_stderr
	assert_success
	assert_output ""
}

# An existing, owner-writable regular file under a directory of the host.
writable_file_under() {
	find "$1" -maxdepth 3 -type f -perm -u+w 2>/dev/null | head -n 1
}

@test "read-only paths refuse writes with EROFS" {
	local dir f
	for dir in /proc/sys /proc/bus /proc/irq /sys; do
		f=$(writable_file_under "$dir")
		[ -n "$f" ] || continue
		# O_TRUNC asks the mount for write access before any permission check,
		# so EROFS is the mount's answer, whoever owns the file.
		run_in --name "$(cname)" -- barco-testhelper write "$f" x
		assert_success
		[ "$output" = "write=EROFS" ] || fail "write $f: $output (expected write=EROFS)"
	done
	run_in --name "$(cname)" -- barco-testhelper write /sys/barco-canary x
	assert_output "write=EROFS"
}

@test "/dev holds the standard nodes, pts and shm" {
	run_in --name "$(cname)" -- barco-testhelper ls /dev
	assert_success
	local n
	for n in null zero full random urandom tty pts ptmx shm; do
		assert_line "$n"
	done
}

@test "/dev nodes are the real devices and usable" {
	run_in --name "$(cname)" -- barco-testhelper stat /dev/null
	assert_success
	assert_line "type=chr"
	assert_line "rdev=1:3"
	run_in --name "$(cname)" -- barco-testhelper write /dev/null discarded
	assert_output "write=ok"
	run_in --name "$(cname)" -- barco-testhelper write /dev/full x
	assert_output "write=ENOSPC"
}

@test "/dev has no host devices beyond the standard set" {
	run_in --name "$(cname)" -- barco-testhelper ls /dev
	assert_success
	refute_line --regexp '^(sd[a-z]|vd[a-z]|nvme|mem$|kmsg$|port$|kvm$)'
}

@test "/tmp is writable" {
	run_in --name "$(cname)" -- barco-testhelper write /tmp/hello hi
	assert_success
	assert_output "write=ok"
}

@test "/proc is a fresh procfs of the container's pid namespace" {
	run_in --name "$(cname)" -- barco-testhelper read /proc/self/stat
	assert_success
	assert_output --regexp '^1 \(barco-testhelpe\)'
}

@test "pivot_root: host paths are invisible and the old root is gone" {
	local p
	for p in /work "$TEST_ROOT" "$REPO"; do
		run_in --name "$(cname)" -- barco-testhelper stat "$p"
		assert_success
		assert_output "stat=ENOENT"
	done
	run_in --name "$(cname)" -- barco-testhelper mounts
	assert_success
	# Mount points (field 5) are all inside the new root: none from the host.
	run awk '{ print $5 }' <<<"$output"
	refute_line --regexp "^($TEST_ROOT|/work|/mnt/|/old|/.old|/\.pivot)"
	assert_line "/"
	assert_line "/proc"
	assert_line "/dev"
}

@test "the root is the rootfs: a file made on the host is seen inside" {
	echo "from-host" >"$ROOTFS/marker"
	run_in --name "$(cname)" -- barco-testhelper read /marker
	rm -f "$ROOTFS/marker"
	assert_success
	assert_output "from-host"
}

@test "--rootfs / cannot write to the host, and gets its own /proc" {
	local n
	n=$(cname)
	rm -f /etc/barco-canary
	run_barco run --rootfs / --name "$n" -- /bin/sh -c 'echo x >/etc/barco-canary'
	assert_failure
	[ ! -e /etc/barco-canary ] || {
		rm -f /etc/barco-canary
		fail "the container wrote /etc/barco-canary on the host"
	}
	run_barco run --rootfs / --name "$n" -- /bin/sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
	show_stderr
	assert_success
	assert_line --index 0 "1"
	assert_nothing_left "$n"
}

@test "--rootfs / still has a private /tmp and a minimal /dev" {
	run_barco run --rootfs / --name "$(cname)" -- /bin/sh -c 'ls /tmp | wc -l; ls /dev'
	assert_success
	assert_line --index 0 "0"
	refute_line "vda"
	assert_line "null"
}

@test "no mounts leak to the host and no /tmp/barco.* is left" {
	local before after n
	n=$(cname)
	before=$(wc -l </proc/self/mountinfo)
	run_in --name "$n" -- barco-testhelper exit 0
	assert_success
	after=$(wc -l </proc/self/mountinfo)
	assert_equal "$after" "$before"
	assert_nothing_left "$n"
}
