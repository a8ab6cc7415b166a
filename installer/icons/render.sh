#!/usr/bin/env bash
# Renders the hicolor PNG icons and the Windows .ico from resources/icons/dealscope.svg. The
# results are committed (the build does not need these tools); run this after changing the SVG.
#   installer/icons/render.sh        (needs rsvg-convert from librsvg2-bin, convert from imagemagick)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
svg="$here/../../resources/icons/dealscope.svg"
id=org.dealscope.Dealscope
sizes=(16 22 24 32 48 64 128 256 512)

for tool in rsvg-convert convert; do
    command -v "$tool" >/dev/null 2>&1 || { echo "render: $tool is missing (apt-get install librsvg2-bin imagemagick)" >&2; exit 1; }
done

for size in "${sizes[@]}"; do
    mkdir -p "$here/hicolor/${size}x${size}"
    rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio "$svg" -o "$here/hicolor/${size}x${size}/$id.png"
done
# Windows: one .ico with the sizes Explorer and the taskbar ask for. -strip leaves out the
# time stamps, so an unchanged SVG gives unchanged files.
convert "$here"/hicolor/{16x16,24x24,32x32,48x48,64x64,256x256}/$id.png -strip "$here/dealscope.ico"
echo "render: wrote ${#sizes[@]} PNG sizes and dealscope.ico under $here"
