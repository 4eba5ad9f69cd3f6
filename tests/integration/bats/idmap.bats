#!/usr/bin/env bats
# Id-mapped mounts (stages/idmap.h): a rootfs owned by host root, as an
# unpacked image is, is seen by the container through the container's own
# id maps, so container root owns it and writes to it as host root.

load helpers

setup_file() {
	setup_suite_rootfs
	# A copy of the suite's rootfs, every file given to host root, under
	# /var/tmp: /tmp may be a tmpfs, which takes id-mapped mounts only
	# from Linux 6.3 (the VM's /tmp on 6.1).
	IDMAP_DIR=$(mktemp -d /var/tmp/barco-idmap.XXXXXX)
	chmod 0755 "$IDMAP_DIR"
	ROOT_ROOTFS=$IDMAP_DIR/root-owned
	cp -a "$ROOTFS" "$ROOT_ROOTFS"
	chown -R 0:0 "$ROOT_ROOTFS"
	export IDMAP_DIR ROOT_ROOTFS
}

teardown_file() {
	if mountpoint -q "$TEST_ROOT/ramfs" 2>/dev/null; then
		umount "$TEST_ROOT/ramfs"
	fi
	case "${IDMAP_DIR:-}" in
	/var/tmp/barco-idmap.??????) rm -rf --one-file-system "$IDMAP_DIR" ;;
	esac
	teardown_suite_rootfs
}

teardown() {
	stop_background
	show_stderr
}

# Skips unless the filesystem of $ROOT_ROOTFS takes id-mapped mounts:
# ext4 and xfs since Linux 5.12, btrfs 5.15, tmpfs 6.3.
require_idmap_fs() {
	local fs need ver
	fs=$(findmnt -no FSTYPE -T "$ROOT_ROOTFS")
	case $fs in
	ext4 | xfs) need=5.12 ;;
	btrfs) need=5.15 ;;
	tmpfs) need=6.3 ;;
	*) skip "$ROOT_ROOTFS is on $fs: no id-mapped mounts known for it" ;;
	esac
	ver=$(uname -r | cut -d. -f1,2)
	[ "$(printf '%s\n%s\n' "$need" "$ver" | sort -V | head -1)" = "$need" ] ||
		skip "$ROOT_ROOTFS is on $fs, which takes id-mapped mounts from Linux $need (this is $ver)"
}

@test "idmap: a rootfs of host root's is owned by container root inside" {
	require_idmap_fs
	run_barco run -v --name "$(cname)" --rootfs "$ROOT_ROOTFS" -- \
		sh -c 'stat -c "%u:%g %n" / /bin/busybox /etc/passwd'
	assert_success
	assert_output "$(printf '0:0 /\n0:0 /bin/busybox\n0:0 /etc/passwd')"
	[[ $stderr == *"mount_setattr(treefd, \"\", AT_RECURSIVE, {.attr_set = MOUNT_ATTR_IDMAP"* ]] ||
		fail "no id-mapped mount in the report: $stderr"
	assert_nothing_left "$(cname)"
}

@test "idmap: what container root writes belongs to host root on disk" {
	require_idmap_fs
	run_barco run --name "$(cname)" --rootfs "$ROOT_ROOTFS" -- \
		sh -c 'echo hi >/made-inside && mkdir /etc/made-dir && chown 1000:1000 /etc/made-dir'
	assert_success
	assert_equal "$(stat -c %u:%g "$ROOT_ROOTFS/made-inside")" 0:0
	# Uid 1000 inside is 101000 in the container's map: on disk it is 1000 again.
	assert_equal "$(stat -c %u:%g "$ROOT_ROOTFS/etc/made-dir")" 1000:1000
	rm -rf "$ROOT_ROOTFS/made-inside" "$ROOT_ROOTFS/etc/made-dir"
	# The processes themselves are still the unprivileged mapped uid on the host.
	run_barco run --name "$(cname 2)" --rootfs "$ROOT_ROOTFS" -- cat /proc/self/uid_map
	assert_output --regexp "^ +0 +$MAPPED_ROOT +65536\$"
	assert_nothing_left "$(cname)" "$(cname 2)"
}

@test "idmap: the default rootfs (owned by container root already) is not id-mapped" {
	run_barco run -v --name "$(cname)" --rootfs "$ROOTFS" -- stat -c %u /bin/busybox
	assert_success
	assert_output 0
	[[ $stderr != *MOUNT_ATTR_IDMAP* ]] || fail "id-mapped: $stderr"
	[[ $stderr == *'open_tree(rootfs_fd, "", OPEN_TREE_CLONE'* ]] || fail "stderr: $stderr"
}

@test "idmap: a filesystem without id-mapped mounts: one warning, and the container runs" {
	mkdir "$TEST_ROOT/ramfs"
	mount -t ramfs ramfs "$TEST_ROOT/ramfs" || skip "cannot mount ramfs here"
	cp -a "$ROOT_ROOTFS/." "$TEST_ROOT/ramfs/"
	chmod 0755 "$TEST_ROOT/ramfs"
	run_barco run --name "$(cname)" --rootfs "$TEST_ROOT/ramfs" -- stat -c %u /bin/busybox
	assert_success
	assert_output 65534
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == *"no id-mapped mount for rootfs $TEST_ROOT/ramfs: mount_setattr(MOUNT_ATTR_IDMAP) on a clone of $TEST_ROOT/ramfs: EINVAL: a filesystem of the tree does not support id-mapped mounts; its files owned by host root show as nobody inside" ]] ||
		fail "stderr: $stderr"
	umount "$TEST_ROOT/ramfs"
	assert_nothing_left "$(cname)"
}

@test "idmap: step pauses with the id-mapped tree held, and resumes into it" {
	require_idmap_fs
	run_barco step --until=namespaces --name "$(cname)" --rootfs "$ROOT_ROOTFS" -- stat -c %u /etc/passwd
	assert_success
	run_barco step "$(cname)" --until=exec
	assert_success
	assert_output --partial "treefd = the id-mapped clone the runner made"
	assert_line 0
	assert_nothing_left "$(cname)"
}
