#!/bin/sh
# Remove Desktop Semantic Search as install.sh put it: the app folder, the command link, the
# menu entry and the icons. The library (your index, in ~/.local/share/desktop-app or
# $DESKTOP_APP_DATA_DIR) is kept; delete that folder yourself to drop the index too.
set -eu

prefix=${DESKTOP_APP_PREFIX:-"$HOME/.local/opt"}
bin_dir=${DESKTOP_APP_BIN_DIR:-"$HOME/.local/bin"}
data_home=${XDG_DATA_HOME:-"$HOME/.local/share"}
target="$prefix/desktop-app"

# Only the link install.sh made: a pip-installed desktop-app script is not ours to remove.
if [ -L "$bin_dir/desktop-app" ] && [ "$(readlink "$bin_dir/desktop-app")" = "$target/desktop-app" ]; then
    rm -f "$bin_dir/desktop-app"
fi
rm -f "$data_home/applications/desktop-app.desktop"
# (An unmatched pattern stays literal; rm -f ignores it.)
rm -f "$data_home"/icons/hicolor/*/apps/desktop-app.png \
      "$data_home"/icons/hicolor/*/apps/desktop-app.svg
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_home/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t -f "$data_home/icons/hicolor" || true
fi
rm -rf "$target"
echo "Removed Desktop Semantic Search."
echo "Your library was kept: ${DESKTOP_APP_DATA_DIR:-$data_home/desktop-app}"
