#!/bin/sh
# Remove what install.sh installed, listed in installed-files.txt beside this script.
# User settings, autosaves and the demo copy (~/.config/us-annotator, ~/.local/share/us-annotator/
# demo and autosave) are kept unless --purge is given.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
manifest=$here/installed-files.txt
purge=no
[ "${1:-}" = "--purge" ] && purge=yes
[ -f "$manifest" ] || { echo "uninstall.sh: $manifest is missing: nothing to remove" >&2; exit 2; }
while IFS= read -r path; do
  [ -n "$path" ] || continue
  if [ -d "$path" ] && [ ! -L "$path" ]; then
    chmod -R u+w "$path" 2>/dev/null || true
    rm -rf "$path"
  else
    rm -f "$path"
  fi
done < "$manifest"
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
for d in "$data_home" /usr/local/share; do
  [ -w "$d" ] || continue
  command -v update-mime-database >/dev/null 2>&1 && [ -d "$d/mime" ] && update-mime-database "$d/mime" || true
  command -v update-desktop-database >/dev/null 2>&1 && [ -d "$d/applications" ] && update-desktop-database "$d/applications" || true
done
rm -f "$manifest" "$here/uninstall.sh"
if [ "$purge" = yes ]; then
  rm -rf "${XDG_CONFIG_HOME:-$HOME/.config}/us-annotator" "$data_home/us-annotator"
fi
rmdir "$here" 2>/dev/null || true
if [ "$purge" = yes ]; then
  echo "us-annotator removed, with its settings and autosaves"
else
  echo "us-annotator removed (settings and autosaves kept; --purge removes them)"
fi
