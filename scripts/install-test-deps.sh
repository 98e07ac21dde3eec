#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the test suite drives for real
# (containers, sshd, a browser, git, libvirt with QEMU) when any is missing.
set -euo pipefail

declare -A needed=(
  [podman]=podman
  [runc]=runc
  [/usr/sbin/sshd]=openssh-server
  [chromium]=chromium
  [git]=git
  [debootstrap]=debootstrap
  [ip]=iproute2
  [virsh]=libvirt-clients
  [libvirtd]=libvirt-daemon-system
  [qemu-system-x86_64]=qemu-system-x86
  [qemu-img]=qemu-utils
  [dnsmasq]=dnsmasq-base
  [iptables]=iptables
)

missing=()
for command in "${!needed[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${needed[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need these packages: ${missing[*]}; install them (sudo apt-get install ${missing[*]}) and run again" >&2
  exit 1
fi
echo "installing test dependencies: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
