#!/usr/bin/env bash
# Regenerates the fake service's result files: a 1-second 320x180 H.264 + AAC clip at 24 fps
# (the real service's codec/container, tiny), the same clip without audio (generate_audio:false)
# and a PNG of its last frame. The outputs are
# committed and embedded with include_bytes!, so this only needs running when they change.
set -euo pipefail
cd "$(dirname "$0")"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=320x180:rate=24:duration=1" \
  -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=1" \
  -c:v libx264 -preset veryslow -crf 35 -pix_fmt yuv420p -profile:v main \
  -c:a aac -b:a 32k -ac 1 \
  -movflags +faststart -shortest \
  result.mp4
ffmpeg -hide_banner -loglevel error -y -i result.mp4 -an -c:v copy -movflags +faststart result_silent.mp4
ffmpeg -hide_banner -loglevel error -y -sseof -0.05 -i result.mp4 -frames:v 1 -update 1 \
  -compression_level 100 result_lastframe.png
ls -l result.mp4 result_silent.mp4 result_lastframe.png
