#!/usr/bin/env bash
# Mount propagation, step by step (lesson 05). Run as root on the host.
#
# Everything happens in a private mount namespace of its own (unshare -m),
# on a tmpfs this script makes, so the host's mount table is not touched
# and the result does not depend on how the host's mounts propagate.
# mount_namespaces(7), "Shared subtrees"; Documentation/filesystems/
# sharedsubtree.rst.
set -euo pipefail

D=$(mktemp -d /tmp/lesson-propagation.XXXXXX)
trap 'rm -rf "$D"' EXIT

unshare -m --propagation private bash -euo pipefail -c '
D=$1
mount -t tmpfs lesson "$D" && mkdir "$D/top" "$D/peer" "$D/slave" "$D/private"
mount -t tmpfs top "$D/top" && mkdir "$D/top/a" "$D/top/b" "$D/top/c" "$D/top/d"
mount --make-shared "$D/top"
# Three views of the same directory, one per propagation type.
mount --bind "$D/top" "$D/peer"                                   # shared: a peer
mount --bind "$D/top" "$D/slave" && mount --make-slave "$D/slave" # receives only
mount --bind "$D/top" "$D/private" && mount --make-private "$D/private"
seen() { for v in peer slave private; do
	mountpoint -q "$D/$v/$1" && printf " %s:yes" $v || printf " %s:no" $v; done; echo; }

mount -t tmpfs a "$D/top/a"
printf "mounted at top/a, seen by"; seen a
mount -t tmpfs b "$D/slave/b"
printf "mounted at slave/b, top sees it: "
mountpoint -q "$D/top/b" && echo yes || echo no

# A mount namespace made together with a new user namespace is less
# privileged: its copies of shared mounts become slaves of the originals.
mkfifo "$D/ready" "$D/go"
unshare -U -r -m --propagation unchanged bash -euo pipefail -c "
	grep -q \" $D/top .* master:\" /proc/self/mountinfo &&
		echo \"in a new user+mount namespace, top is a slave (master: in mountinfo)\"
	mount -t tmpfs c $D/top/c
	echo ready > $D/ready; read -r _ < $D/go
	mountpoint -q $D/top/d && echo \"inside: the outside mount at top/d came in\"
" &
read -r _ < "$D/ready"
mountpoint -q "$D/top/c" && echo "outside: the inside mount at top/c came out" ||
	echo "outside: the inside mount at top/c stayed inside"
mount -t tmpfs d "$D/top/d"
echo go > "$D/go"
wait $!
' propagation "$D"
