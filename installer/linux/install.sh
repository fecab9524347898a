#!/bin/sh
# Install Desktop Semantic Search for the current user, from the unpacked tarball:
#   - the app folder goes to ~/.local/opt/desktop-app (replacing an older version whole),
#   - ~/.local/bin/desktop-app links to it (the command line),
#   - the app registers its menu entry and icons itself (desktop-app --install-desktop-entry
#     writes ~/.local/share/applications/desktop-app.desktop and the hicolor icons), so a
#     tarball install and a pip install get exactly the same entry.
# No root needed; nothing outside the home folder is touched. Override the places with
# DESKTOP_APP_PREFIX (default ~/.local/opt) and DESKTOP_APP_BIN_DIR (default ~/.local/bin).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=${DESKTOP_APP_PREFIX:-"$HOME/.local/opt"}
bin_dir=${DESKTOP_APP_BIN_DIR:-"$HOME/.local/bin"}
target="$prefix/desktop-app"

if [ ! -x "$here/app/desktop-app" ]; then
    echo "install.sh: $here/app/desktop-app is missing; unpack the whole tarball first" >&2
    exit 1
fi

mkdir -p "$prefix" "$bin_dir"
# Copy beside the old version, then swap, so a failed copy leaves the old one working.
rm -rf "$target.new" "$target.old"
cp -RP "$here/app" "$target.new"
cp "$here/uninstall.sh" "$target.new/uninstall.sh"
chmod 755 "$target.new/uninstall.sh"
if [ -e "$target" ]; then
    mv "$target" "$target.old"
fi
mv "$target.new" "$target"
rm -rf "$target.old"

ln -sfn "$target/desktop-app" "$bin_dir/desktop-app"
"$target/desktop-app" --install-desktop-entry

echo "Installed in $target"
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) echo "Note: $bin_dir is not on your PATH; the menu entry works regardless." ;;
esac
echo "Start it from your applications menu, or run: desktop-app"
echo "Uninstall with: $target/uninstall.sh"
