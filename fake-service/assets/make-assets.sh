#!/usr/bin/env bash
# Regenerates the fake service's result files, served when results are not rendered
# (--render-results off). Every file is the same 1-second 320x180 test pattern at 24 fps in
# the container and codecs the real service uses for that kind of task:
#   result.mp4, result_silent.mp4            H.264 + AAC / no audio (2.0 family; 2.5 up to 720p)
#   result_hevc.mp4, result_hevc_silent.mp4  HEVC (hvc1) + AAC / no audio (2.5 at 1080p)
#   result.mov, result_silent.mov            QuickTime, H.264 + PCM / no audio (output_format mov)
#   result_hevc.mov, result_hevc_silent.mov  QuickTime, HEVC + PCM / no audio (mov at 1080p)
#   result_lastframe.png                     the last frame as PNG (2.0 family lastFrameImage)
#   result_lastframe.jpg                     the last frame as JPEG (2.5 family lastFrameImage)
# The outputs are committed and embedded with include_bytes!, so this only needs running when
# they change.
set -euo pipefail
cd "$(dirname "$0")"
q=(-hide_banner -loglevel error -y)
src=(-f lavfi -i "testsrc2=size=320x180:rate=24:duration=1"
     -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=1")
h264=(-c:v libx264 -preset veryslow -crf 35 -pix_fmt yuv420p -profile:v main)
hevc=(-c:v libx265 -preset veryslow -crf 38 -pix_fmt yuv420p -tag:v hvc1 -x265-params log-level=error)
ffmpeg "${q[@]}" "${src[@]}" "${h264[@]}" -c:a aac -b:a 32k -ac 1 -movflags +faststart -shortest result.mp4
ffmpeg "${q[@]}" -i result.mp4 -an -c:v copy -movflags +faststart result_silent.mp4
ffmpeg "${q[@]}" "${src[@]}" "${hevc[@]}" -c:a aac -b:a 32k -ac 1 -movflags +faststart -shortest result_hevc.mp4
ffmpeg "${q[@]}" -i result_hevc.mp4 -an -c:v copy -tag:v hvc1 -movflags +faststart result_hevc_silent.mp4
# QuickTime with PCM audio, as the service's mov outputs; 8 kHz mono keeps the file small.
ffmpeg "${q[@]}" -i result.mp4 -i result.mp4 -map 0:v -map 1:a -c:v copy -c:a pcm_s16le -ar 8000 -ac 1 \
  -movflags +faststart -f mov result.mov
ffmpeg "${q[@]}" -i result.mp4 -an -c:v copy -movflags +faststart -f mov result_silent.mov
ffmpeg "${q[@]}" -i result_hevc.mp4 -map 0:v -map 0:a -c:v copy -tag:v hvc1 -c:a pcm_s16le -ar 8000 -ac 1 \
  -movflags +faststart -f mov result_hevc.mov
ffmpeg "${q[@]}" -i result_hevc.mp4 -an -c:v copy -tag:v hvc1 -movflags +faststart -f mov result_hevc_silent.mov
ffmpeg "${q[@]}" -sseof -0.05 -i result.mp4 -frames:v 1 -update 1 \
  -compression_level 100 result_lastframe.png
ffmpeg "${q[@]}" -sseof -0.05 -i result.mp4 -frames:v 1 -update 1 -q:v 4 result_lastframe.jpg
ls -l result*.mp4 result*.mov result_lastframe.*
