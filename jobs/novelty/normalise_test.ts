import assert from "node:assert/strict";
import { looksRandom, normalisePath } from "./normalise.ts";

const cases = (rule: string, pairs: [string, string][]) =>
  Deno.test(`normalisePath() ${rule}`, () => {
    for (const [raw, want] of pairs) assert.equal(normalisePath(raw), want, raw);
  });

cases("replaces mktemp's tmp.XXXXXXXXXX", [
  ["/tmp/tmp.Ab12Cd/x", "/tmp/tmp.*/x"],
  ["/tmp/tmp.k3Jd9sLqZ1/deploy.sh", "/tmp/tmp.*/deploy.sh"],
  ["/home/ci/work/tmp.AAAAAAAAAA", "/home/ci/work/tmp.*"],
  ["/tmp/tmp.ab/x", "/tmp/tmp.ab/x"], // too short for mktemp
]);

cases("replaces the pid under /proc, and a task id", [
  ["/proc/1234/exe", "/proc/*/exe"],
  ["/proc/77/task/78/exe", "/proc/*/task/*/exe"],
  ["/proc/self/exe", "/proc/self/exe"],
]);

cases("replaces an fexecve descriptor under /proc and /dev", [
  ["/proc/self/fd/3", "/proc/self/fd/*"],
  ["/proc/4321/fd/12", "/proc/*/fd/*"],
  ["/dev/fd/7", "/dev/fd/*"],
  ["/srv/fd/7", "/srv/fd/7"],
]);

cases("replaces snap revisions", [
  ["/snap/core20/2015/usr/bin/python3", "/snap/core20/*/usr/bin/python3"],
  ["/snap/lxd/x1/bin/lxc", "/snap/lxd/*/bin/lxc"],
  ["/var/lib/snapd/snap/go/10535/bin/go", "/var/lib/snapd/snap/go/*/bin/go"],
  ["/snap/bin/firefox", "/snap/bin/firefox"],
]);

cases("replaces containerd snapshot numbers", [
  [
    "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/123/fs/usr/bin/x",
    "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/*/fs/usr/bin/x",
  ],
]);

cases("replaces container and overlay layer ids (hex runs)", [
  [
    "/var/lib/docker/overlay2/3f2a9c0d1e4b5a6978877665544332211ffeeddccbbaa99887766554433221100/merged/usr/bin/curl",
    "/var/lib/docker/overlay2/*/merged/usr/bin/curl",
  ],
  [
    "/run/containerd/io.containerd.runtime.v2.task/k8s.io/0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9/rootfs/bin/sh",
    "/run/containerd/io.containerd.runtime.v2.task/k8s.io/*/rootfs/bin/sh",
  ],
]);

cases("replaces hex hashes of 8 or more with a digit, between non-alphanumerics", [
  [
    "/home/u/.vscode-server/bin/1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b/node",
    "/home/u/.vscode-server/bin/*/node",
  ],
  ["/opt/build-0badcafe/bin/x", "/opt/build-*/bin/x"],
  ["/usr/bin/deadbeef", "/usr/bin/deadbeef"], // no digit: a word
  ["/usr/bin/sha256sum", "/usr/bin/sha256sum"],
  ["/usr/bin/x1234abc", "/usr/bin/x1234abc"], // 7 hex only
]);

cases("replaces UUIDs", [
  [
    "/var/lib/kubelet/pods/0F8FAD5B-D9CB-469F-A165-70867728950E/volumes/x/run.sh",
    "/var/lib/kubelet/pods/*/volumes/x/run.sh",
  ],
  ["/opt/x-123e4567-e89b-12d3-a456-426614174000.bin", "/opt/x-*.bin"],
]);

cases("replaces digit runs of 5 or more", [
  ["/srv/app/releases/20261127093000/bin/app", "/srv/app/releases/*/bin/app"],
  ["/root/go-build1234567890/exe/main", "/root/go-build*/exe/main"],
  ["/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"],
  ["/usr/bin/python3.11", "/usr/bin/python3.11"],
]);

cases("replaces the Nix store hash", [
  [
    "/nix/store/5rnfzla9kcx4mj5zdc7nlnv8na1najvg-bash-5.2p26/bin/bash",
    "/nix/store/*-bash-5.2p26/bin/bash",
  ],
]);

cases("replaces Ansible's temp names", [
  [
    "/home/deploy/.ansible/tmp/ansible-tmp-1700000000.123456-4567-89012345678901/AnsiballZ_command.py",
    "/home/deploy/.ansible/tmp/ansible-tmp-*/AnsiballZ_command.py",
  ],
  [
    "/tmp/ansible_ansible.legacy.command_payload_q1w2e3r4/x",
    "/tmp/ansible_ansible.legacy.command_payload_*/x",
  ],
]);

cases("replaces Python's tmpXXXXXXXX (with a digit or _ anywhere, any under a temp root)", [
  ["/tmp/tmpab1_cd2e/run", "/tmp/tmp*/run"],
  ["/srv/tmpq9w8e7r6.sh", "/srv/tmp*.sh"],
  ["/tmp/tmpqwertyui/run", "/tmp/tmp*/run"],
  ["/srv/tmpqwertyui.sh", "/srv/tmpqwertyui.sh"],
]);

cases("replaces random names and suffixes of directories under a temp root", [
  ["/tmp/pip-install-abc12xyz/bin/x", "/tmp/pip-install-*/bin/x"],
  [
    "/tmp/systemd-private-0123456789abcdef0123456789abcdef-nginx.service-AbC1x9/tmp/t",
    "/tmp/systemd-private-*-nginx.service-*/tmp/t",
  ],
  ["/var/tmp/k3Jd9sLq/run", "/var/tmp/*/run"],
  ["/dev/shm/npm-1234-x7Yz9q/bin/x", "/dev/shm/npm-1234-*/bin/x"],
  ["/run/user/1000/build-42/x", "/run/user/1000/build-*/x"],
  ["/tmp/.mount_ObsidiAbC123/AppRun", "/tmp/.mount_*/AppRun"],
  ["/tmp/pytest-of-root/pytest-123/test0/x", "/tmp/pytest-of-root/pytest-*/test0/x"],
]);

cases("keeps the program's own name and directories outside temp roots", [
  ["/tmp/k3Jd9sLq", "/tmp/k3Jd9sLq"], // a random-named program: new every time
  ["/tmp/build-Release/x", "/tmp/build-Release/x"],
  ["/opt/pip-install-abc12xyz/x", "/opt/pip-install-abc12xyz/x"],
  ["/usr/bin/bash", "/usr/bin/bash"],
  ["./configure", "./configure"],
  ["", ""],
  ["/tmp/x\udcff\udcfe/y", "/tmp/x\udcff\udcfe/y"],
]);

Deno.test("looksRandom() tells mktemp runs from words", () => {
  for (const s of ["AbC1x9", "x7Yz9q", "abc12xyz", "QWERTYu"]) assert.ok(looksRandom(s), s);
  for (const s of ["Release", "python3", "ubuntu22", "abcdef", "ABCDEF", "12345", "ab1"]) {
    assert.ok(!looksRandom(s), s);
  }
});
