import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { aptMirror } from './podman';
import { startSshd, type SshServer } from './sshd';

const run = promisify(execFile);

/**
 * A VM host for the libvirt tests, built by the tests themselves and kept
 * between runs: libvirtd and virtlogd from Debian, started inside a network
 * namespace of their own (so the guests' private network lives there, reached
 * only through the VM host as a jump host, like a remote VM host's), a
 * storage pool with a small Debian guest as the template volume, and
 * pre-created inactive domains.
 */
export const vmNamespace = 'testyard-virt';
/** The VM host as the worker sees it: the namespace's end of a veth pair. */
const vmHostAddress = '10.251.0.2';
const workerSideAddress = '10.251.0.1';
export const testPool = 'testyard-test';
const testNetwork = 'testyard-test';
const imageVersion = 'bookworm-4';
const imageDir = `/var/cache/testyard/vm-${imageVersion}`;
export const templateVolume = `debian-${imageVersion}.qcow2`;
const poolDir = `/var/lib/libvirt/images/${testPool}`;
const bootDir = `/var/lib/libvirt/images/${testPool}-boot`;
const lockFile = '/var/lock/testyard-libvirt.lock';

/** Runs a script under the test bed's lock; the daemons it starts must not inherit (and so keep) the lock. */
async function locked(script: string, args: string[] = []): Promise<string> {
  try {
    const { stdout } = await run('flock', ['--close', lockFile, 'bash', '-euo', 'pipefail', '-c', script, 'libvirt-test-bed', ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`libvirt test bed: ${stderr?.trim().split('\n').slice(-20).join('\n') ?? String(error)}`);
  }
}

/**
 * The guest: debootstrap minbase with the cloud kernel, sshd and a DHCP
 * client, and a key pair for root, booted directly (kernel and initrd beside
 * the disk). Booting must be quick under emulation too, so the initrd is
 * busybox and the virtio modules (initramfs-tools' udev alone takes ten
 * seconds there), and init is a short script under tini instead of systemd
 * (a minute and more): it mounts what tests expect, asks DHCP for an address
 * (by MAC, so clones never share a lease) and starts sshd. `reboot` really
 * reboots the VM (through the kernel). About two minutes to build.
 */
const buildImage = `
  out=$1 mirror=$2
  [[ -f $out/disk.qcow2 ]] && exit 0
  work=$(mktemp -d /var/tmp/testyard-vm-XXXXXX)
  trap 'rm -rf "$work"' EXIT
  root=$work/root
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  ssh-keygen -q -t ed25519 -N '' -C testyard-vm -f "$out.tmp/id_ed25519"
  debootstrap --variant=minbase --include=openssh-server,isc-dhcp-client,iproute2,tini,kmod,busybox-static,cpio,linux-image-cloud-amd64 bookworm "$root" "$mirror" >&2
  # the initrd: busybox, the virtio modules, and an init that mounts the disk and hands over
  kver=$(ls "$root/lib/modules")
  initrd=$root/tmp/initrd
  mkdir -p "$initrd/bin" "$initrd/dev" "$initrd/proc" "$initrd/root" "$initrd/modules"
  cp "$root/bin/busybox" "$initrd/bin/"
  modules="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk failover net_failover virtio_net"
  for module in $modules; do cp "$(find "$root/lib/modules/$kver" -name "$module.ko")" "$initrd/modules/"; done
  cat > "$initrd/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
if grep -qw testyard.probe /proc/cmdline; then
  echo testyard-probe: start
  sleep 1; sleep 1; sleep 1
  head -c 32 /dev/random >/dev/null
  echo testyard-probe: slept
  reboot -f
fi
umount /proc
for module in $modules; do insmod /modules/\\$module.ko; done
for _ in \\$(seq 400); do [ -b /dev/vda ] && break; sleep 0.05; done
mount -t ext4 -o rw /dev/vda /root
mount --move /dev /root/dev
exec switch_root /root /usr/bin/tini -- /sbin/testyard-boot
INIT
  chmod 755 "$initrd/init"
  chroot "$root" sh -c 'cd /tmp/initrd && find . | cpio -o -H newc --quiet' | gzip -1 > "$out.tmp/initrd.img"
  rm -rf "$initrd"
  install -d -m 700 "$root/root/.ssh"
  install -m 600 "$out.tmp/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
  echo '/dev/vda / ext4 defaults 0 1' > "$root/etc/fstab"
  echo testyard-vm > "$root/etc/hostname"
  cat > "$root/sbin/testyard-boot" <<'BOOT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
mkdir -p /run/sshd /run/lock
hostname -F /etc/hostname
ip link set lo up
for dev in /sys/class/net/e*; do dhclient -4 -nw "\${dev##*/}"; done
/usr/sbin/sshd
exec sleep infinity
BOOT
  chmod 755 "$root/sbin/testyard-boot"
  printf '#!/bin/sh\nsync\necho 1 > /proc/sys/kernel/sysrq\necho b > /proc/sysrq-trigger\n' > "$root/usr/sbin/reboot"
  chmod 755 "$root/usr/sbin/reboot"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/boot/initrd.img-*
  cp "$root"/boot/vmlinuz-* "$out.tmp/vmlinuz"
  mke2fs -q -t ext4 -d "$root" "$work/disk.raw" 2G
  qemu-img convert -O qcow2 "$work/disk.raw" "$out.tmp/disk.qcow2"
  rm -rf "$out"; mv "$out.tmp" "$out"
`;

/**
 * KVM when /dev/kvm is there and a guest really runs under it, else
 * emulation. Some nested setups offer /dev/kvm and then hang the guest, at
 * boot or later: its timers stop (sleep never returns) or its entropy pool
 * never fills. So the guest's kernel and initrd boot in probe mode (see the
 * initrd's init): three one-second sleeps, host-timed, a read of /dev/random,
 * and a reboot that must end QEMU. TESTYARD_TEST_ACCELERATOR=kvm|qemu skips
 * the probe.
 */
const probeAccelerator = `
  out=$1 forced=$2
  if [[ -n $forced ]]; then echo "$forced"; exit 0; fi
  [[ -f $out/accelerator ]] && { cat "$out/accelerator"; exit 0; }
  accelerator=qemu
  if [[ -c /dev/kvm ]]; then
    log=$(mktemp)
    timeout 60 qemu-system-x86_64 -accel kvm -m 256 -nographic -no-reboot -kernel "$out/vmlinuz" -initrd "$out/initrd.img" \\
      -append 'console=ttyS0 quiet panic=-1 testyard.probe' 2>/dev/null | while IFS= read -r line; do
        line=\${line%$'\\r'}
        case $line in *testyard-probe:*) echo "$(date +%s%N) \${line##*testyard-probe: }";; esac
      done > "$log" && ended=yes || ended=no
    start=$(awk '$2 == "start" {print $1}' "$log") slept=$(awk '$2 == "slept" {print $1}' "$log")
    if [[ $ended == yes && -n $start && -n $slept ]]; then
      elapsed_ms=$(( (slept - start) / 1000000 ))
      (( elapsed_ms >= 2500 && elapsed_ms <= 15000 )) && accelerator=kvm
    fi
    rm -f "$log"
  fi
  echo $accelerator | tee "$out/accelerator"
`;

const startHost = `
  ns=$1 host=$2 worker=$3 image=$4 pool=$5 pooldir=$6 network=$7 template=$8 bootdir=$9
  ip netns list | grep -qw "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show tyvirt1 >/dev/null 2>&1; then
    # a pair left from an earlier namespace of the same name goes first
    ip link del tyvirt0 2>/dev/null || true
    ip link add tyvirt0 type veth peer name tyvirt1 netns "$ns"
    ip addr add "$worker/30" dev tyvirt0
    ip -n "$ns" addr add "$host/30" dev tyvirt1
  fi
  ip link set tyvirt0 up
  ip -n "$ns" link set tyvirt1 up
  if ! virsh -c qemu:///system version >/dev/null 2>&1; then
    pidof virtlogd >/dev/null || ip netns exec "$ns" virtlogd -d
    pidof libvirtd >/dev/null || ip netns exec "$ns" libvirtd -d
    for _ in $(seq 100); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  [[ $(ip netns identify "$(pidof libvirtd)") == "$ns" ]] || { echo "libvirtd runs outside network namespace $ns; stop it so the tests can start their own" >&2; exit 1; }
  export LIBVIRT_DEFAULT_URI=qemu:///system
  if ! virsh net-info "$network" >/dev/null 2>&1; then
    printf '%s' "<network><name>$network</name><bridge name='tyvirbr0'/><ip address='192.168.151.1' netmask='255.255.255.0'><dhcp><range start='192.168.151.10' end='192.168.151.250'/></dhcp></ip></network>" > /tmp/testyard-net.xml
    virsh net-define /tmp/testyard-net.xml >/dev/null
  fi
  [[ $(virsh net-info "$network") == *Active:*yes* ]] || virsh net-start "$network" >/dev/null
  mkdir -p "$pooldir" "$bootdir"
  virsh pool-info "$pool" >/dev/null 2>&1 || virsh pool-define-as "$pool" dir --target "$pooldir" >/dev/null
  [[ $(virsh pool-info "$pool") == *State:*running* ]] || virsh pool-start "$pool" >/dev/null
  cp -u "$image/vmlinuz" "$image/initrd.img" "$bootdir/"
  if [[ ! -f $pooldir/$template ]]; then
    cp "$image/disk.qcow2" "$pooldir/$template.tmp" && mv "$pooldir/$template.tmp" "$pooldir/$template"
  fi
  virsh pool-refresh "$pool" >/dev/null
`;

export interface LibvirtTestBed {
  /** `qemu+ssh://root@…/system` through an sshd on the VM host (in its namespace). */
  uri: string;
  /** Logs in to the guests and to the VM host. */
  privateKey: string;
  /** kvm or qemu (emulation). */
  accelerator: string;
  vmHost: SshServer;
  stop(): Promise<void>;
}

/** Builds (once) and starts the VM host; every test file gets its own sshd on it. */
export async function startLibvirtTestBed(): Promise<LibvirtTestBed> {
  const mirror = process.env.TESTYARD_DEBIAN_MIRROR ?? (await aptMirror());
  await locked(buildImage, [imageDir, mirror]);
  const accelerator = (await locked(probeAccelerator, [imageDir, process.env.TESTYARD_TEST_ACCELERATOR ?? ''])).trim();
  await locked(startHost, [
    vmNamespace,
    vmHostAddress,
    workerSideAddress,
    imageDir,
    testPool,
    poolDir,
    testNetwork,
    templateVolume,
    bootDir,
  ]);
  const clientKeyPath = path.join(imageDir, 'id_ed25519');
  const vmHost = await startSshd({ netns: vmNamespace, listenAddress: vmHostAddress, clientKeyPath });
  return {
    uri: `qemu+ssh://root@${vmHostAddress}:${vmHost.port}/system`,
    privateKey: await readFile(clientKeyPath, 'utf8'),
    accelerator,
    vmHost,
    stop: () => vmHost.stop(),
  };
}

/**
 * (Re)defines inactive domains `${prefix}-1…count`, each with a disk volume
 * of its own in the test pool, booting the guest's kernel directly. Domains
 * left running by an earlier test are destroyed, their volumes dropped.
 */
export async function defineTestDomains(prefix: string, count: number, accelerator: string): Promise<string[]> {
  const names = Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`);
  const define = `
    export LIBVIRT_DEFAULT_URI=qemu:///system
    accelerator=$1 pool=$2 bootdir=$3; shift 3
    for name in "$@"; do
      virsh destroy "$name" >/dev/null 2>&1 || true
      virsh vol-delete --pool "$pool" "$name.qcow2" >/dev/null 2>&1 || true
      virsh undefine "$name" >/dev/null 2>&1 || true
      cat > "/tmp/$name.xml" <<XML
<domain type='$accelerator'>
  <name>$name</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$bootdir/vmlinuz</kernel>
    <initrd>$bootdir/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_reboot>restart</on_reboot>
  <devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='$pool' volume='$name.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <source network='${testNetwork}'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'><source path='/var/log/libvirt/qemu/$name-serial.log'/></serial>
  </devices>
</domain>
XML
      virsh define "/tmp/$name.xml" >/dev/null
      rm -f "/tmp/$name.xml"
    done
  `;
  await locked(define, [accelerator, testPool, bootDir, ...names]);
  return names;
}

/** `virsh` on the test VM host, for checks. */
export async function virsh(...args: string[]): Promise<string> {
  const { stdout } = await run('virsh', ['--quiet', '-c', 'qemu:///system', ...args]);
  return stdout;
}

/** The domains that are running now, of those named. */
export async function runningDomains(names: readonly string[]): Promise<string[]> {
  const running = new Set((await virsh('list', '--name', '--state-running')).split('\n').map((line) => line.trim()));
  return names.filter((name) => running.has(name));
}
