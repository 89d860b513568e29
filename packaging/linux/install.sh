#!/bin/sh
# Install the us-annotator bundle for one user (--user, the default) or for everyone (--system,
# as root): the app folder, a launcher on PATH, the menu entry, icons and the .uscase.json type.
#
#   ./install.sh [--user | --system] [--prefix DIR]
#
# --user  : app in ${XDG_DATA_HOME:-~/.local/share}/us-annotator/app, command in ~/.local/bin
# --system: app in /opt/us-annotator, command in /usr/local/bin, menu in /usr/local/share
# uninstall.sh removes exactly what this script put there (it keeps a list of the files).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
mode=user
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --user) mode=user ;;
    --system) mode=system ;;
    --prefix) prefix=$2; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ ! -x "$here/us-annotator" ] || [ ! -d "$here/share" ]; then
  echo "install.sh: run it from the unpacked us-annotator folder (it needs ./us-annotator and ./share)" >&2
  exit 2
fi

if [ "$mode" = system ]; then
  [ "$(id -u)" = 0 ] || { echo "install.sh: --system needs root (sudo ./install.sh --system)" >&2; exit 2; }
  app_dir=${prefix:-/opt}/us-annotator
  bin_dir=/usr/local/bin
  data_home=/usr/local/share
else
  data_home=${XDG_DATA_HOME:-$HOME/.local/share}
  app_dir=${prefix:-$data_home/us-annotator}/app
  bin_dir=$HOME/.local/bin
fi
manifest_dir=$(dirname "$app_dir")
[ "$mode" = system ] && manifest_dir=$app_dir
apps_dir=$data_home/applications
mime_dir=$data_home/mime
icon_dir=$data_home/icons/hicolor

if [ "$here" != "$app_dir" ]; then
  echo "copying the app to $app_dir"
  rm -rf "$app_dir.new"
  mkdir -p "$(dirname "$app_dir")"
  cp -a "$here" "$app_dir.new"
  rm -rf "$app_dir"
  mv "$app_dir.new" "$app_dir"
fi
# The install folder is read-only for the app: it writes only to the user's folders.
chmod -R a-w,a+rX "$app_dir" 2>/dev/null || true

mkdir -p "$bin_dir" "$apps_dir" "$mime_dir/packages" "$icon_dir/scalable/apps" "$manifest_dir"
manifest=$manifest_dir/installed-files.txt
: > "$manifest"
put() {  # put SOURCE TARGET: copy one file and remember it for uninstall.sh
  cp "$1" "$2"
  echo "$2" >> "$manifest"
}
ln -sf "$app_dir/us-annotator" "$bin_dir/us-annotator"
echo "$bin_dir/us-annotator" >> "$manifest"
sed "s|^Exec=.*|Exec=\"$app_dir/us-annotator\" %F|" "$here/share/us-annotator.desktop" > "$apps_dir/us-annotator.desktop.tmp"
mv "$apps_dir/us-annotator.desktop.tmp" "$apps_dir/us-annotator.desktop"
echo "$apps_dir/us-annotator.desktop" >> "$manifest"
put "$here/share/us-annotator-mime.xml" "$mime_dir/packages/us-annotator.xml"
put "$here/share/icons/us-annotator.svg" "$icon_dir/scalable/apps/us-annotator.svg"
for png in "$here"/share/icons/us-annotator-*.png; do
  [ -e "$png" ] || continue
  size=$(basename "$png" .png); size=${size#us-annotator-}
  mkdir -p "$icon_dir/${size}x${size}/apps"
  put "$png" "$icon_dir/${size}x${size}/apps/us-annotator.png"
done
echo "$app_dir" >> "$manifest"

cp "$here/uninstall.sh" "$manifest_dir/uninstall.sh"
chmod +x "$manifest_dir/uninstall.sh"

# Refresh the desktop's caches when the tools exist (they do on every desktop install).
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$mime_dir" || true
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps_dir" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icon_dir" 2>/dev/null || true
command -v xdg-mime >/dev/null 2>&1 && [ "$mode" = user ] \
  && xdg-mime default us-annotator.desktop application/x-us-annotator-case 2>/dev/null || true

echo "installed $("$app_dir/us-annotator" --version 2>/dev/null | head -n 1 || echo "us-annotator (version unknown)")"
echo "  command: $bin_dir/us-annotator"
case ":$PATH:" in *":$bin_dir:"*) ;; *) echo "  note: $bin_dir is not on your PATH" ;; esac
echo "  remove it with: $manifest_dir/uninstall.sh"
