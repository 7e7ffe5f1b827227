#!/usr/bin/env bash
# Builds the Debian package pushgate_<version>_amd64.deb: both binaries (stripped), the example
# config as /etc/pushgate/pushgate.json (a conffile), the hardened systemd unit, maintainer
# scripts that create the pushgate system user, and the docs lintian expects.
#   tools/package.sh                 # builds pushgate and pushgatectl first (tools/build.sh)
#   tools/package.sh --no-build      # packages what build/ already holds (the ctest does this)
#   tools/package.sh --out DIR       # where the .deb goes (default: the build dir)
# PUSHGATE_BUILD_DIR picks the build dir (default build). Prints the .deb's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build_dir=${PUSHGATE_BUILD_DIR:-build}
out_dir=""
do_build=1
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) do_build=0 ;;
    --out) out_dir=$2; shift ;;
    *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$do_build" = 1 ] && tools/build.sh pushgate pushgatectl
build_dir=$(cd "$build_dir" && pwd)
out_dir=$(mkdir -p "${out_dir:-$build_dir}" && cd "${out_dir:-$build_dir}" && pwd)
for tool in dpkg-deb dpkg-shlibdeps strip gzip; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool missing: apt-get install dpkg-dev binutils" >&2; exit 1; }
done

version=$(sed -n 's/^project(pushgate VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "package.sh: no version in CMakeLists.txt" >&2; exit 1; }
maintainer="pushgate maintainers <maintainers@users.noreply.r-seed-dd048e37.example>"
# The changelog's date: the commit's, so the same commit packages the same way.
date=$(git -C "$src" log -1 --format=%aD 2>/dev/null || date -R)
commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
install -d "$root/DEBIAN" "$root/usr/bin" "$root/etc/pushgate" "$root/lib/systemd/system" \
  "$root/usr/share/doc/pushgate/examples" "$root/usr/share/man/man1" "$root/usr/share/man/man8"
install -m 0755 -s "$build_dir/server/pushgate" "$root/usr/bin/pushgate"
install -m 0755 -s "$build_dir/client/pushgatectl" "$root/usr/bin/pushgatectl"
install -m 0644 config/pushgate.example.json "$root/etc/pushgate/pushgate.json"
install -m 0644 deploy/debian/pushgate.service "$root/lib/systemd/system/pushgate.service"
gzip -9n <deploy/debian/pushgate.8 >"$root/usr/share/man/man8/pushgate.8.gz"
gzip -9n <deploy/debian/pushgatectl.1 >"$root/usr/share/man/man1/pushgatectl.1.gz"
chmod 0644 "$root/usr/share/man/man8/pushgate.8.gz" "$root/usr/share/man/man1/pushgatectl.1.gz"
install -m 0644 deploy/debian/copyright "$root/usr/share/doc/pushgate/copyright"
install -m 0644 README.md "$root/usr/share/doc/pushgate/README.md"
install -m 0644 deploy/grafana/pushgate.json "$root/usr/share/doc/pushgate/examples/grafana-dashboard.json"
install -m 0644 deploy/prometheus/alerts.yml "$root/usr/share/doc/pushgate/examples/prometheus-alerts.yml"
printf 'pushgate (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
  "$version" "$commit" "$maintainer" "$date" | gzip -9n >"$root/usr/share/doc/pushgate/changelog.gz"
chmod 0644 "$root/usr/share/doc/pushgate/changelog.gz"
for script in postinst prerm postrm; do
  install -m 0755 "deploy/debian/$script" "$root/DEBIAN/$script"
done
echo /etc/pushgate/pushgate.json >"$root/DEBIAN/conffiles"

# Shared-library dependencies as Debian computes them (dpkg-shlibdeps wants a debian/control).
mkdir -p "$work/shlibs/debian"
printf 'Source: pushgate\n\nPackage: pushgate\nArchitecture: amd64\n' >"$work/shlibs/debian/control"
shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O --warnings=0 \
  -e"$root/usr/bin/pushgate" -e"$root/usr/bin/pushgatectl" | sed -n 's/^shlibs:Depends=//p')

(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
  >"$root/DEBIAN/md5sums"
cat >"$root/DEBIAN/control" <<CONTROL
Package: pushgate
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: adduser, $shlibs
Section: net
Priority: optional
Description: push gateway for CometChat's custom push provider
 pushgate receives CometChat's push webhook and stores each notification
 durably, keeps the device tokens that client backends register over gRPC,
 and delivers through APNs, FCM, Web Push and forward webhooks with retries.
 A gRPC API answers whether a user got a message; pushgatectl is its CLI.
CONTROL

deb=$out_dir/pushgate_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
