#!/usr/bin/env bash
# Installs a packed citizen-station (npm pack) on Raspberry Pi OS Bookworm, Pi 3/4/5/Zero 2 W
# (docs/deployment.md): I2C and the serial port, the service user and the technicians' group,
# the package with production dependencies under /opt/citizen-station, the config under
# /etc/citizen-station, the systemd unit, the udev rules and the journal settings; then enables
# the service. Safe to run again: every step checks first and changes only what differs.
#
#   sudo scripts/install.sh [--dry-run] [--pigpio] [--persistent-journal] [--start] citizen-station-X.tgz
#
#   --dry-run             print every step, change nothing (needs no root)
#   --pigpio              install the pigpio drop-in (root with CAP_SYS_RAWIO, for Wiegand / PWM)
#   --persistent-journal  keep the journal on the SD card, bounded, instead of in RAM
#   --start               start (or restart) the station at the end
set -euo pipefail

readonly SERVICE_USER=citizen-station
readonly TECH_GROUP=citizen-station-tech
readonly DEVICE_GROUPS=(dialout i2c gpio)
readonly PREFIX=/opt/citizen-station
readonly CONFIG_DIR=/etc/citizen-station
readonly UNIT_DIR=/etc/systemd/system
readonly RULES_DIR=/etc/udev/rules.d
readonly JOURNALD_DIR=/etc/systemd/journald.conf.d
# Bookworm's own nodejs is 18: Node 20 comes from NodeSource's apt repository.
readonly NODE_MAJOR_MIN=20

dry_run=false
pigpio=false
persistent_journal=false
start=false
tarball=""

usage() {
  sed -n '8,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    --pigpio) pigpio=true ;;
    --persistent-journal) persistent_journal=true ;;
    --start) start=true ;;
    -h | --help) usage ;;
    -*) echo "unknown option $arg" >&2; usage ;;
    *) tarball="$arg" ;;
  esac
done
[ -n "$tarball" ] || usage

step() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

# Runs a command, or in a dry run only prints it (wrapped to fit 80 columns).
run() {
  printf '%s\n' "$*" | fold -s -w 70 | sed -e '$!s/ *$/ \\/' -e '1!s/^/        /' -e '1s/^/    + /'
  if [ "$dry_run" = false ]; then "$@"; fi
}

# A problem that stops a real install; a dry run names it and goes on showing the steps.
fail() {
  if [ "$dry_run" = true ]; then
    printf '    ! would stop here: %s\n' "$*"
  else
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
  fi
}

# Copies $1 to $2 with mode $3 (owner root) unless $2 already has that content and mode.
# Status 0 when it was (or in a dry run would be) written, 1 when it was up to date.
install_file() {
  local from="$1" to="$2" mode="$3"
  if [ -f "$to" ] && cmp -s "$from" "$to" && [ "$(stat -c %a "$to")" = "${mode#0}" ]; then
    note "$to is up to date"
    return 1
  fi
  # Called where set -e does not stop the script (if, &&): a failed copy stops it here.
  run install -D -m "$mode" -o root -g root "$from" "$to" || { echo "install.sh: cannot write $to" >&2; exit 1; }
}

if [ "$dry_run" = true ]; then
  step "dry run: nothing is changed"
elif [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (sudo), or with --dry-run" >&2
  exit 1
fi

[ -f "$tarball" ] || { echo "install.sh: no package at $tarball (make it with npm pack)" >&2; exit 1; }
tarball="$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work" package/package.json package/systemd package/config
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$work/package/package.json" | head -n 1)"
step "citizen-station $version ($(basename "$tarball"))"

step "Node.js $NODE_MAJOR_MIN or later"
if command -v node >/dev/null 2>&1; then
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  note "node $(node --version)"
  [ "$node_major" -ge "$NODE_MAJOR_MIN" ] ||
    fail "node $(node --version) is too old: install Node.js $NODE_MAJOR_MIN (NodeSource)"
else
  fail "node is not installed: install Node.js $NODE_MAJOR_MIN (NodeSource)"
fi

step "build tools for the native modules (i2c-bus, the sd_notify addon)"
missing_packages=()
for package in build-essential python3; do
  dpkg -s "$package" >/dev/null 2>&1 || missing_packages+=("$package")
done
if [ ${#missing_packages[@]} -eq 0 ]; then
  note "build-essential and python3 are installed"
else
  run apt-get install -y --no-install-recommends "${missing_packages[@]}"
fi

step "I2C on, serial port for devices (no login console on it)"
if [ -r /proc/device-tree/model ] && grep -q 'Raspberry Pi' /proc/device-tree/model 2>/dev/null; then
  note "$(tr -d '\0' </proc/device-tree/model)"
  # raspi-config's nonint calls: 0 = enable, 1 = disable; each is a no-op when already so.
  run raspi-config nonint do_i2c 0
  run raspi-config nonint do_serial_hw 0
  run raspi-config nonint do_serial_cons 1
  note "a reboot makes the I2C and serial changes take effect"
else
  note "not a Raspberry Pi (/proc/device-tree/model): raspi-config skipped"
fi

step "group $TECH_GROUP, user $SERVICE_USER in ${DEVICE_GROUPS[*]}"
if getent group "$TECH_GROUP" >/dev/null; then
  note "group $TECH_GROUP exists"
else
  run groupadd --system "$TECH_GROUP"
fi
for group in "${DEVICE_GROUPS[@]}"; do
  # i2c and gpio exist on Raspberry Pi OS; elsewhere they are made so the unit's groups resolve.
  getent group "$group" >/dev/null || run groupadd --system "$group"
done
if id "$SERVICE_USER" >/dev/null 2>&1; then
  note "user $SERVICE_USER exists"
  for group in "${DEVICE_GROUPS[@]}"; do
    if id -nG "$SERVICE_USER" | tr ' ' '\n' | grep -qx "$group"; then
      note "$SERVICE_USER is in $group"
    else
      run usermod -a -G "$group" "$SERVICE_USER"
    fi
  done
else
  run useradd --system --no-create-home --home-dir /var/lib/citizen-station --shell /usr/sbin/nologin \
    --gid "$TECH_GROUP" --groups "$(IFS=,; echo "${DEVICE_GROUPS[*]}")" "$SERVICE_USER"
fi
note "technicians: usermod -a -G $TECH_GROUP NAME (for station status)"

step "the package under $PREFIX, production dependencies only"
installed_version=""
if [ -f "$PREFIX/node_modules/citizen-station/package.json" ]; then
  installed_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$PREFIX/node_modules/citizen-station/package.json" | head -n 1)"
fi
if [ "$installed_version" = "$version" ] && [ -x "$PREFIX/node_modules/.bin/station" ]; then
  note "citizen-station $version is installed"
else
  [ -z "$installed_version" ] || note "replacing $installed_version"
  # Approves the install scripts npm runs: the native modules and the station's own addon build.
  cat >"$work/package.json" <<'EOF'
{
  "private": true,
  "allowScripts": {
    "citizen-station": true,
    "@serialport/bindings-cpp": true,
    "epoll": true,
    "i2c-bus": true,
    "pigpio": true,
    "@scarf/scarf": false
  }
}
EOF
  install_file "$work/package.json" "$PREFIX/package.json" 0644 || true
  run cp "$tarball" "$PREFIX/citizen-station.tgz"
  run npm --prefix "$PREFIX" install --omit=dev --no-audit --no-fund "$PREFIX/citizen-station.tgz"
fi
if [ "$(readlink /usr/local/bin/station 2>/dev/null || true)" = "$PREFIX/node_modules/.bin/station" ]; then
  note "/usr/local/bin/station links to the installed station"
else
  run ln -sfn "$PREFIX/node_modules/.bin/station" /usr/local/bin/station
fi

step "config in $CONFIG_DIR"
if [ -f "$CONFIG_DIR/station.yaml" ]; then
  note "$CONFIG_DIR/station.yaml is kept as it is"
else
  run install -d -m 0750 -o root -g "$TECH_GROUP" "$CONFIG_DIR"
  run install -m 0640 -o root -g "$TECH_GROUP" "$work/package/config/station.example.yaml" "$CONFIG_DIR/station.yaml"
  note "edit $CONFIG_DIR/station.yaml (station.id, mqtt, keys), then:"
  note "  station config check --config $CONFIG_DIR/station.yaml"
fi

step "systemd unit, udev rules, journal"
units_changed=false
install_file "$work/package/systemd/citizen-station.service" "$UNIT_DIR/citizen-station.service" 0644 && units_changed=true
if [ "$pigpio" = true ]; then
  install_file "$work/package/systemd/pigpio-root.conf" "$UNIT_DIR/citizen-station.service.d/pigpio.conf" 0644 && units_changed=true
elif [ -f "$UNIT_DIR/citizen-station.service.d/pigpio.conf" ]; then
  note "the pigpio drop-in stays (remove it by hand if pigpio is not used)"
fi
if install_file "$work/package/systemd/99-citizen-station.rules" "$RULES_DIR/99-citizen-station.rules" 0644; then
  run udevadm control --reload
  run udevadm trigger --subsystem-match=tty
fi
if [ "$persistent_journal" = true ]; then
  printf '[Journal]\nStorage=persistent\nSystemMaxUse=64M\nSystemMaxFileSize=8M\n' >"$work/journald.conf"
else
  # In RAM: the SD card is not worn by logs (docs/deployment.md).
  printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n' >"$work/journald.conf"
fi
if install_file "$work/journald.conf" "$JOURNALD_DIR/citizen-station.conf" 0644; then
  run systemctl restart systemd-journald
fi
if [ "$units_changed" = true ]; then run systemctl daemon-reload; fi

step "enable the service"
if systemctl is-enabled --quiet citizen-station 2>/dev/null; then
  note "citizen-station is enabled"
else
  run systemctl enable citizen-station
fi
if [ "$start" = true ]; then
  run systemctl restart citizen-station
else
  note "start it: systemctl start citizen-station (a reboot applies I2C/serial)"
fi
step "done"
